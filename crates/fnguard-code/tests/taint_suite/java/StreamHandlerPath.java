// expect: FG506
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
