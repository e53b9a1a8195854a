// expect: none
import com.amazonaws.serverless.proxy.spring.SpringBootLambdaContainerHandler;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.springframework.web.util.HtmlUtils;

public class ServletEscapedSafe extends HttpServlet {
    public void handleRequest(java.io.InputStream in, java.io.OutputStream out, Object context) {
        SpringBootLambdaContainerHandler.getAwsProxyHandler(ServletEscapedSafe.class);
    }

    @Override
    public void doGet(HttpServletRequest request, HttpServletResponse response) throws java.io.IOException {
        String name = HtmlUtils.htmlEscape(request.getParameter("name"));
        response.getWriter().println("<p>Hello " + name + "</p>");
        request.getSession().setAttribute("visits", "1");
    }
}
