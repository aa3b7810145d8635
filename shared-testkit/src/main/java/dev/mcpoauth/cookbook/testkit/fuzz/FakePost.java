package dev.mcpoauth.cookbook.testkit.fuzz;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A POST to {@code /mcp} as a servlet container presents it, for checks that run a filter's body
 * step without a server: the headers given, {@code getCharacterEncoding()} from the
 * {@code Content-Type}'s charset parameter (as Jetty and Tomcat derive it), the body as the input
 * stream. Everything else answers {@code null}, {@code false} or zero.
 */
final class FakePost {

    private FakePost() {
    }

    static HttpServletRequest of(String contentType, byte[] body) {
        ByteArrayInputStream in = new ByteArrayInputStream(body);
        ServletInputStream stream = new ServletInputStream() {
            @Override
            public int read() {
                return in.read();
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                return in.read(buffer, offset, length);
            }

            @Override
            public boolean isFinished() {
                return in.available() == 0;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(ReadListener listener) {
                throw new UnsupportedOperationException();
            }
        };
        return (HttpServletRequest) Proxy.newProxyInstance(FakePost.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getMethod" -> "POST";
                    case "getRequestURI" -> "/mcp";
                    case "getContentType" -> contentType;
                    case "getCharacterEncoding" -> charsetOf(contentType);
                    case "getInputStream" -> stream;
                    case "getContentLength" -> body.length;
                    case "getContentLengthLong" -> (long) body.length;
                    case "getHeader" -> "content-type".equalsIgnoreCase((String) args[0]) ? contentType : null;
                    case "getHeaders" -> Collections.enumeration("content-type".equalsIgnoreCase((String) args[0])
                            && contentType != null ? List.of(contentType) : List.of());
                    case "getHeaderNames" -> Collections.enumeration(contentType != null ? List.of("Content-Type") : List.of());
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "POST /mcp (Content-Type: " + contentType + ")";
                    default -> defaultFor(method.getReturnType());
                });
    }

    /** The charset parameter, unquoted, as a container reports it; {@code null} when there is none. */
    private static String charsetOf(String contentType) {
        if (contentType == null) {
            return null;
        }
        for (String parameter : contentType.split(";")) {
            String[] pair = parameter.split("=", 2);
            if (pair.length == 2 && pair[0].trim().toLowerCase(Locale.ROOT).equals("charset")) {
                return pair[1].trim().replace("\"", "");
            }
        }
        return null;
    }

    private static Object defaultFor(Class<?> type) {
        if (type == boolean.class) {
            return false;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        return null;
    }
}
