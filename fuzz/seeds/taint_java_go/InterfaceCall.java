// expect: FG501
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
