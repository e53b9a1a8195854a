#!/usr/bin/env python3
"""Writes the Java cases of the taint fixture suite (crates/fnguard-code/tests/taint_suite/java).

Each case is a Lambda handler class `Name::handleRequest` (or a servlet/controller served by a
web adapter) whose first line names the rules it must trigger (`// expect: FG501`) or `none`.
"""
import os
import shutil

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "fnguard-code", "tests", "taint_suite", "java")

IMPORTS = """import com.amazonaws.services.lambda.runtime.Context;
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
"""

# (name, expected rules, body of handleRequest using `event`; `p` is a query parameter)
API = [
    ("CmdRuntimeExec", "FG501", 'Runtime.getRuntime().exec("ping -c 1 " + p);'),
    ("CmdProcessBuilder", "FG501", 'List<String> cmd = new ArrayList<>(); cmd.add("sh"); cmd.add("-c"); cmd.add("echo " + p);\n        new ProcessBuilder(cmd).start();'),
    ("CmdConstantSafe", "none", 'String host = "localhost";\n        Runtime.getRuntime().exec(new String[] {"ping", "-c", "1", host});'),
    ("CmdParsedNumberSafe", "none", 'int n = Integer.parseInt(p);\n        Runtime.getRuntime().exec("sleep " + n);'),
    ("SqlStatement", "FG504", 'Connection c = DriverManager.getConnection(System.getenv("DB_URL"));\n        Statement st = c.createStatement();\n        st.executeQuery("SELECT * FROM users WHERE name = \'" + p + "\'");'),
    ("SqlPrepareConcat", "FG504", 'Connection c = DriverManager.getConnection(System.getenv("DB_URL"));\n        PreparedStatement ps = c.prepareStatement("SELECT * FROM users WHERE name = \'" + p + "\'");\n        ps.execute();'),
    ("SqlPreparedSafe", "none", 'Connection c = DriverManager.getConnection(System.getenv("DB_URL"));\n        PreparedStatement ps = c.prepareStatement("SELECT * FROM users WHERE name = ?");\n        ps.setString(1, p);\n        ps.executeQuery();'),
    ("PathFile", "FG506", 'File f = new File("/var/data/" + p);\n        new FileInputStream(f).read();'),
    ("PathNio", "FG506", 'Files.readAllBytes(Paths.get("/var/data", p));'),
    ("PathFileNameSafe", "none", 'String name = Paths.get(p).getFileName().toString();\n        new FileInputStream(new File("/var/data", name)).read();'),
    ("LdapFilter", "FG520", 'DirContext ctx = new InitialDirContext();\n        ctx.search("ou=people,dc=example,dc=com", "(uid=" + p + ")", new SearchControls());'),
    ("LdapParameterisedSafe", "none", 'DirContext ctx = new InitialDirContext();\n        ctx.search("ou=people,dc=example,dc=com", "(uid={0})", new Object[] {p}, new SearchControls());'),
    ("XpathExpression", "FG521", 'XPath xp = XPathFactory.newInstance().newXPath();\n        xp.compile("/users/user[@name=\'" + p + "\']");'),
    ("XpathConstantSafe", "none", 'XPath xp = XPathFactory.newInstance().newXPath();\n        String expr = "/users/user[@name=\'" + "admin" + "\']";\n        xp.evaluate(expr, doc());'),
    ("DeserializeObjectStream", "FG503", 'byte[] data = Base64.getDecoder().decode(event.getBody());\n        new ObjectInputStream(new ByteArrayInputStream(data)).readObject();'),
    ("SsrfUrl", "FG507", 'new URL(p).openConnection().getInputStream();'),
    ("SsrfFixedHostSafe", "none", 'new URL("https://api.example.com/items/" + Integer.parseInt(p)).openConnection();'),
    ("CodeScriptEngine", "FG502", 'new javax.script.ScriptEngineManager().getEngineByName("js").eval(p);'),
    ("CodeConstantScriptSafe", "none", 'new javax.script.ScriptEngineManager().getEngineByName("js").eval("1 + 1");'),
    ("DeserializeBundledSafe", "none", 'new ObjectInputStream(InterfaceCallHolder.class.getResourceAsStream("/defaults.bin")).readObject();'),
    ("RedirectConstantSafe", "none", 'String next = "/home";\n        redirect(next);'),
    ("MapOtherKeySafe", "none", 'Map<String, String> m = new HashMap<>();\n        m.put("a", "constant");\n        m.put("b", p);\n        Runtime.getRuntime().exec("echo " + m.get("a"));'),
    ("MapSameKey", "FG501", 'Map<String, String> m = new HashMap<>();\n        m.put("a", "constant");\n        m.put("b", p);\n        Runtime.getRuntime().exec("echo " + m.get("b"));'),
    ("ListRemovedSafe", "none", 'List<String> l = new ArrayList<>();\n        l.add("safe");\n        l.add(p);\n        l.add("moresafe");\n        l.remove(0);\n        Runtime.getRuntime().exec("echo " + l.get(1));'),
    ("ListTainted", "FG501", 'List<String> l = new ArrayList<>();\n        l.add("safe");\n        l.add(p);\n        l.remove(0);\n        Runtime.getRuntime().exec("echo " + l.get(0));'),
    ("TernaryConstantSafe", "none", 'int num = 106;\n        String bar = (7 * 18) + num > 200 ? "always" : p;\n        Runtime.getRuntime().exec("echo " + bar);'),
    ("SwitchConstantSafe", "none", 'String guess = "ABC";\n        String bar;\n        switch (guess.charAt(1)) {\n            case \'A\': bar = p; break;\n            case \'B\': bar = "bob"; break;\n            default: bar = p; break;\n        }\n        Runtime.getRuntime().exec("echo " + bar);'),
    ("SwitchFallthrough", "FG501", 'String guess = "ABC";\n        String bar;\n        switch (guess.charAt(2)) {\n            case \'A\': bar = "x"; break;\n            case \'C\':\n            case \'D\': bar = p; break;\n            default: bar = "bob"; break;\n        }\n        Runtime.getRuntime().exec("echo " + bar);'),
    ("StringBuilderTainted", "FG504", 'StringBuilder sb = new StringBuilder("SELECT * FROM t WHERE a = \'");\n        sb.append(p);\n        sb.append("\'");\n        Connection c = DriverManager.getConnection(System.getenv("DB_URL"));\n        c.createStatement().execute(sb.toString());'),
    ("HelperMethod", "FG506", 'new FileReader(resolve(p)).read();'),
    ("HelperMethodSafe", "none", 'new FileReader(resolve("fixed.txt")).read();'),
]

TEMPLATE = """// expect: {expect}
{imports}
public class {name} implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {{
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {{
        try {{
            String p = event.getQueryStringParameters().get("q");
            {body}
        }} catch (Exception e) {{
            throw new RuntimeException("failed");
        }}
        return new APIGatewayProxyResponseEvent().withStatusCode(200);
    }}

    private static String resolve(String name) {{
        return "/var/data/" + name;
    }}

    private static org.w3c.dom.Document doc() {{
        return null;
    }}

    private static void redirect(String location) {{
    }}

    static class InterfaceCallHolder {{
    }}
}}
"""

OTHER = {
    "InterfaceCall": ("FG501", """// expect: FG501
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

public class InterfaceCall implements RequestHandler<Map<String, String>, String> {
    interface Transform {
        String apply(String s);
    }

    static class Upper implements Transform {
        public String apply(String s) {
            return s.toUpperCase();
        }
    }

    private static Transform pick() {
        return new Upper();
    }

    public String handleRequest(Map<String, String> event, Context context) {
        Transform t = pick();
        String arg = t.apply(event.get("arg"));
        try {
            Runtime.getRuntime().exec(new String[] {"sh", "-c", "grep " + arg + " /var/log/app.log"});
        } catch (java.io.IOException e) {
            return "failed";
        }
        return "ok";
    }
}
"""),
    "PowertoolsLogEvent": ("FG511", """// expect: FG511
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;
import software.amazon.lambda.powertools.logging.Logging;

public class PowertoolsLogEvent implements RequestHandler<Map<String, String>, String> {
    @Logging(logEvent = true)
    public String handleRequest(Map<String, String> event, Context context) {
        return "ok";
    }
}
"""),
    "SecretPrinted": ("FG516,FG511", """// expect: FG511,FG516
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

public class SecretPrinted implements RequestHandler<Map<String, String>, String> {
    private final SecretsManagerClient secrets = SecretsManagerClient.create();

    public String handleRequest(Map<String, String> event, Context context) {
        System.out.println(event);
        String key = secrets.getSecretValue(r -> r.secretId(System.getenv("SECRET_ID"))).secretString();
        System.out.println("api key " + key);
        return "ok";
    }
}
"""),
    "LoggedFieldSecretUsedSafe": ("none", """// expect: none
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

public class LoggedFieldSecretUsedSafe implements RequestHandler<Map<String, String>, String> {
    private final SecretsManagerClient secrets = SecretsManagerClient.create();

    public String handleRequest(Map<String, String> event, Context context) {
        System.out.println("order " + event.get("orderId"));
        String key = secrets.getSecretValue(r -> r.secretId(System.getenv("SECRET_ID"))).secretString();
        System.out.println("key length " + key.length());
        return "ok";
    }
}
"""),
    "ServletRedirectConstantSafe": ("none", """// expect: none
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
"""),
    "SpringCloudFunctionBean": ("FG501", """// expect: FG501
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
"""),
    "WeakRandomToken": ("FG525", """// expect: FG525
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

public class WeakRandomToken implements RequestHandler<Map<String, String>, String> {
    public String handleRequest(Map<String, String> event, Context context) {
        String resetToken = Long.toHexString(new java.util.Random().nextLong());
        byte[] bytes = new byte[16];
        new java.util.Random().nextBytes(bytes);
        String apiKey = java.util.Base64.getEncoder().encodeToString(bytes);
        return "sent";
    }
}
"""),
    "SecureRandomTokenSafe": ("none", """// expect: none
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.security.SecureRandom;
import java.util.Map;

public class SecureRandomTokenSafe implements RequestHandler<Map<String, String>, String> {
    public String handleRequest(Map<String, String> event, Context context) {
        String resetToken = Long.toHexString(new SecureRandom().nextLong());
        try {
            java.util.Random generator = SecureRandom.getInstance("SHA1PRNG");
            String sessionKey = Integer.toString(generator.nextInt());
        } catch (java.security.NoSuchAlgorithmException e) {
            return "failed";
        }
        return "sent";
    }
}
"""),
    "SqsRecordsCmd": ("FG501", """// expect: FG501
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

public class SqsRecordsCmd implements RequestHandler<SQSEvent, Void> {
    @Override
    public Void handleRequest(SQSEvent event, Context context) {
        for (SQSEvent.SQSMessage msg : event.getRecords()) {
            try {
                new ProcessBuilder("convert", msg.getBody()).start();
            } catch (java.io.IOException e) {
                context.getLogger().log("conversion failed");
            }
        }
        return null;
    }
}
"""),
    "RawMapInputSql": ("FG504", """// expect: FG504
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;

public class RawMapInputSql implements RequestHandler<Map<String, Object>, String> {
    public String handleRequest(Map<String, Object> input, Context context) {
        String id = (String) input.get("id");
        try (Connection c = DriverManager.getConnection(System.getenv("DB_URL"))) {
            c.createStatement().executeUpdate("DELETE FROM orders WHERE id = " + id);
        } catch (java.sql.SQLException e) {
            return "error";
        }
        return "ok";
    }
}
"""),
    "StreamHandlerPath": ("FG506", """// expect: FG506
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.*;
import java.nio.charset.StandardCharsets;

public class StreamHandlerPath implements RequestStreamHandler {
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String name = new String(input.readAllBytes(), StandardCharsets.UTF_8).trim();
        try (FileOutputStream out = new FileOutputStream("/mnt/efs/" + name)) {
            out.write(1);
        }
    }
}
"""),
    "ServletTrustBoundary": ("FG524", """// expect: FG524
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
"""),
    "ServletXssRedirect": ("FG518,FG519", """// expect: FG518,FG519
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
"""),
    "ServletEscapedSafe": ("none", """// expect: none
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
"""),
    "SpringControllerSql": ("FG504", """// expect: FG504
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
"""),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".java"):
            os.remove(os.path.join(OUT, f))
        elif os.path.isdir(os.path.join(OUT, f)):
            shutil.rmtree(os.path.join(OUT, f))
    for name, expect, body in API:
        with open(os.path.join(OUT, f"{name}.java"), "w") as fh:
            fh.write(TEMPLATE.format(expect=expect, imports=IMPORTS, name=name, body=body))
    for name, (_, text) in OTHER.items():
        # Web-adapter cases get a code package of their own: the adapter serves every
        # servlet and controller of its package.
        base = OUT
        if "SpringBootLambdaContainerHandler" in text or "FunctionInvoker" in text:
            base = os.path.join(OUT, name)
            os.makedirs(base, exist_ok=True)
        with open(os.path.join(base, f"{name}.java"), "w") as fh:
            fh.write(text)
    print(len(API) + len(OTHER), "java cases")


if __name__ == "__main__":
    main()
