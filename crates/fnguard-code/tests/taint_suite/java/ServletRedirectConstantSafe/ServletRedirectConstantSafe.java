// expect: none
import com.amazonaws.serverless.proxy.spring.SpringBootLambdaContainerHandler;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class ServletRedirectConstantSafe extends HttpServlet {
    public void handleRequest(java.io.InputStream in, java.io.OutputStream out, Object context) {
        SpringBootLambdaContainerHandler.getAwsProxyHandler(ServletRedirectConstantSafe.class);
    }

    @Override
    public void doGet(HttpServletRequest request, HttpServletResponse response) throws java.io.IOException {
        String target = "/dashboard";
        if ("admin".equals(request.getParameter("role"))) {
            target = "/admin";
        }
        response.sendRedirect(target);
    }
}
