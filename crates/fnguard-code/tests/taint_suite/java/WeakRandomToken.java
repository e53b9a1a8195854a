// expect: FG525
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
