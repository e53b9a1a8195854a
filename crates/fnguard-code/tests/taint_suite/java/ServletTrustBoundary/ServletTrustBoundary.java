// expect: FG524
import com.amazonaws.serverless.proxy.model.AwsProxyRequest;
import com.amazonaws.serverless.proxy.model.AwsProxyResponse;
import com.amazonaws.serverless.proxy.spring.SpringBootLambdaContainerHandler;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class ServletTrustBoundary extends HttpServlet {
    public void handleRequest(java.io.InputStream in, java.io.OutputStream out, Object context) {
        SpringBootLambdaContainerHandler.getAwsProxyHandler(ServletTrustBoundary.class);
    }

    @Override
    public void doPost(HttpServletRequest request, HttpServletResponse response) {
        String role = request.getParameter("role");
        request.getSession().setAttribute("role", role);
    }
}
