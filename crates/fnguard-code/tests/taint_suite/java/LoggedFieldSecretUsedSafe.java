// expect: none
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
