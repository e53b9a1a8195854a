// expect: none
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
