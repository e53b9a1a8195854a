// expect: FG518,FG519
import com.amazonaws.serverless.proxy.spring.SpringBootLambdaContainerHandler;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class ServletXssRedirect extends HttpServlet {
    public void handleRequest(java.io.InputStream in, java.io.OutputStream out, Object context) {
        SpringBootLambdaContainerHandler.getAwsProxyHandler(ServletXssRedirect.class);
    }

    @Override
    public void doGet(HttpServletRequest request, HttpServletResponse response) throws java.io.IOException {
        String name = request.getParameter("name");
        response.getWriter().println("<p>Hello " + name + "</p>");
        response.sendRedirect(request.getParameter("next"));
    }
}
