// expect: FG504
import com.amazonaws.serverless.proxy.spring.SpringBootLambdaContainerHandler;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class SpringControllerSql {
    private JdbcTemplate jdbcTemplate;

    public void handleRequest(java.io.InputStream in, java.io.OutputStream out, Object context) {
        SpringBootLambdaContainerHandler.getAwsProxyHandler(SpringControllerSql.class);
    }

    @GetMapping("/orders")
    public Object orders(@RequestParam String customer) {
        return jdbcTemplate.queryForList("SELECT * FROM orders WHERE customer = '" + customer + "'");
    }
}
