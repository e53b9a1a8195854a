// expect: FG504
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
