// expect: FG511
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
