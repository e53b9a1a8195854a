// expect: FG501
import java.util.function.Function;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

@SpringBootApplication
public class SpringCloudFunctionBean {
    public void handleRequest(java.io.InputStream in, java.io.OutputStream out, Object context) {
        new org.springframework.cloud.function.adapter.aws.FunctionInvoker().handleRequest(in, out, null);
    }

    @Bean
    public Function<String, String> convert() {
        return name -> {
            try {
                Runtime.getRuntime().exec("convert /tmp/" + name + " /tmp/out.png");
            } catch (java.io.IOException e) {
                return "failed";
            }
            return "ok";
        };
    }
}
