package dev.mcpoauth.cookbook.multiuserstore;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The test's own calls to realm B, bypassing the server and the counting proxy: is this refresh token still good? */
final class DirectUpstream {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private DirectUpstream() {
    }

    /** The token endpoint's answer to a refresh with {@code refreshToken}: status and {@code error} (or "" on success). */
    record Answer(int status, String error, String refreshToken) {
        @Override
        public String toString() {
            return "Answer[status=" + status + ", error=" + error + "]";
        }
    }

    static Answer refresh(TestStack stack, String refreshToken) {
        String basic = Base64.getEncoder().encodeToString(("mcp-calendar-connector:" + TestStack.CONNECTOR_SECRET)
                .getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(stack.calendar.tokenEndpoint())
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=refresh_token&refresh_token="
                        + URLEncoder.encode(refreshToken, StandardCharsets.UTF_8)))
                .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(response.body());
            return new Answer(response.statusCode(), body.path("error").asString(""), body.path("refresh_token").asString(""));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static URI revocationEndpoint(TestStack stack) {
        return URI.create(stack.calendar.issuer() + "/protocol/openid-connect/revoke");
    }
}
