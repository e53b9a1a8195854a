// expect: FG521
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.io.*;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.*;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import javax.naming.directory.SearchControls;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;

public class XpathExpression implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        try {
            String p = event.getQueryStringParameters().get("q");
            XPath xp = XPathFactory.newInstance().newXPath();
        xp.compile("/users/user[@name='" + p + "']");
        } catch (Exception e) {
            throw new RuntimeException("failed");
        }
        return new APIGatewayProxyResponseEvent().withStatusCode(200);
    }

    private static String resolve(String name) {
        return "/var/data/" + name;
    }

    private static org.w3c.dom.Document doc() {
        return null;
    }

    private static void redirect(String location) {
    }

    static class InterfaceCallHolder {
    }
}
