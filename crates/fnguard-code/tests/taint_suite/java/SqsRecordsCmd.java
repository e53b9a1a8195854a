// expect: FG501
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
