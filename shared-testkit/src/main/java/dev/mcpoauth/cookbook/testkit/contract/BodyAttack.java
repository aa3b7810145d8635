package dev.mcpoauth.cookbook.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * One way to send a tool call that a filter and the MCP transport could read differently, and its
 * exact refusal: the HTTP status and, unless the refusal is the 403 step-up challenge, the JSON-RPC
 * error code.
 *
 * @param body turns the tool call's JSON into the bytes sent
 */
record BodyAttack(String name, String contentType, String contentEncoding, Function<String, byte[]> body,
                  int status, int jsonRpcCode) {

    @Override
    public String toString() {
        return name;
    }

    /** Every attack the contract sends (issue 18): charsets, BOMs, duplicate keys, trailing content, batches, odd types. */
    static List<BodyAttack> all() {
        Charset utf32 = Charset.forName("UTF-32");
        Charset utf32le = Charset.forName("UTF-32LE");
        return List.of(
                refused("declared EBCDIC (IBM037)", "application/json; charset=IBM037", json -> json.getBytes(Charset.forName("IBM037")), 415, -32700),
                refused("declared ISO-8859-1", "application/json; charset=ISO-8859-1", json -> json.getBytes(StandardCharsets.ISO_8859_1), 415, -32700),
                refused("declared UTF-16, with BOM", "application/json; charset=UTF-16", json -> json.getBytes(StandardCharsets.UTF_16), 415, -32700),
                refused("declared UTF-16LE, no BOM", "application/json; charset=UTF-16LE", json -> json.getBytes(StandardCharsets.UTF_16LE), 415, -32700),
                refused("declared UTF-32", "application/json; charset=UTF-32", json -> json.getBytes(utf32), 415, -32700),
                refused("UTF-16 with BOM, declared UTF-8", "application/json; charset=utf-8", json -> json.getBytes(StandardCharsets.UTF_16), 400, -32700),
                refused("UTF-16LE without BOM, declared UTF-8", "application/json; charset=utf-8", json -> json.getBytes(StandardCharsets.UTF_16LE), 400, -32700),
                refused("UTF-16BE with BOM, no charset", "application/json", json -> json.getBytes(StandardCharsets.UTF_16), 400, -32700),
                refused("UTF-32LE with BOM, no charset", "application/json", json -> concat(new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 0}, json.getBytes(utf32le)), 400, -32700),
                refused("UTF-32 without BOM, declared UTF-8", "application/json; charset=UTF-8", json -> json.getBytes(utf32), 400, -32700),
                refused("UTF-8 with BOM", "application/json", json -> concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8(json)), 400, -32700),
                refused("duplicate method key", "application/json", json -> utf8(json.replaceFirst("\"method\":\"tools/call\"",
                        "\"method\":\"tools/list\",\"method\":\"tools/call\"")), 400, -32700),
                refused("duplicate name key", "application/json", json -> utf8(json.replaceFirst("\"params\":\\{",
                        "\"params\":{\"name\":\"" + "no_such_tool" + "\",")), 400, -32700),
                refused("trailing object", "application/json", json -> utf8(json + json), 400, -32700),
                refused("trailing garbage", "application/json", json -> utf8(json + " x"), 400, -32700),
                refused("batch mixing an allowed and the forbidden call", "application/json",
                        json -> utf8("[" + ContractHttp.TOOLS_LIST + "," + json + "]"), 400, -32600),
                refused("no Content-Type", null, BodyAttack::utf8, 415, -32700),
                refused("text/plain", "text/plain", BodyAttack::utf8, 415, -32700),
                refused("a form", "application/x-www-form-urlencoded", BodyAttack::utf8, 415, -32700),
                refused("application/json with two charsets", "application/json; charset=utf-8; charset=utf-16", BodyAttack::utf8, 415, -32700),
                new BodyAttack("gzip Content-Encoding", "application/json", "gzip", BodyAttack::gzip, 415, -32700),
                refused("tool name not a string", "application/json", json -> utf8(json.replaceFirst("\"name\":(\"[^\"]*\")", "\"name\":[$1]")), 400, -32602),
                refused("tool name in escapes: judged as the same call", "application/json", json -> utf8(escapeFirstNameCharacter(json)), 403, 0),
                refused("method in escapes: judged as the same call", "application/json", json -> utf8(json.replace("\"tools/call\"", "\"tools\\/call\"")), 403, 0));
    }

    private static BodyAttack refused(String name, String contentType, Function<String, byte[]> body, int status, int code) {
        return new BodyAttack(name, contentType, null, body, status, code);
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static byte[] gzip(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(utf8(text));
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }

    /** {@code "name":"add_note"} as {@code "name":"\u0061dd_note"}: the same string to every JSON parser. */
    private static String escapeFirstNameCharacter(String json) {
        Matcher name = Pattern.compile("\"name\":\"(.)").matcher(json);
        assertThat(name.find()).isTrue();
        return json.substring(0, name.start(1)) + String.format("\\u%04x", (int) name.group(1).charAt(0)) + json.substring(name.end(1));
    }
}
