package io.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the management commands print what the API answers: tables, payloads, the stats summary. No broker. */
class ManagementFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    private static String print(Table table) {
        StringWriter out = new StringWriter();
        table.print(new PrintWriter(out));
        return out.toString();
    }

    @Test
    void aTableAlignsTextLeftAndNumbersRightWithoutTrailingSpaces() {
        Table table = new Table("NAME", "COUNT", "NOTE").row("a", 1L, "x").row("longer", 1234L, null);
        assertThat(print(table)).isEqualTo(""
                + "NAME    COUNT  NOTE\n"
                + "a           1  x\n"
                + "longer   1234  -\n");
    }

    @Test
    void aColumnWithNothingButMissingValuesAlignsLeft() {
        assertThat(print(new Table("A", "USER").row(1L, null).row(22L, null))).isEqualTo(""
                + " A  USER\n"
                + " 1  -\n"
                + "22  -\n");
    }

    @Test
    void controlCharactersInACellAreEscapedSoThatTheyCannotBreakTheTable() {
        assertThat(Table.printable("a\nb\tc\u001b[31m")).isEqualTo("a\\nb\\tc\\u001b[31m");
        assertThat(Table.printable("plain é")).isEqualTo("plain é");
    }

    @Test
    void theClientsTableShowsOneLinePerClientWithDashesForAnOfflineSessionsConnection() throws Exception {
        List<JsonNode> clients = List.of(
                json("{'clientId':'sensor-1','connected':true,'username':'alice','address':'127.0.0.1:50412',"
                        + "'listener':'default','protocolVersion':'5.0','keepAlive':60,"
                        + "'connectedSince':'2026-12-05T10:00:00Z','sessionExpiry':3600,'cleanStart':false,"
                        + "'subscriptions':2,'inflight':0,'queued':3,'messagesIn':10,'messagesOut':12,"
                        + "'bytesIn':420,'bytesOut':510}"),
                json("{'clientId':'gone','connected':false,'username':null,'address':null,'listener':null,"
                        + "'protocolVersion':'3.1.1','keepAlive':null,'connectedSince':null,'subscriptions':1,"
                        + "'inflight':0,'queued':250,'messagesIn':0,'messagesOut':0}"));
        assertThat(print(ClientsCommand.table(clients))).isEqualTo(""
                + "CLIENT ID  STATE      USER   ADDRESS          MQTT   SUBS  INFLIGHT  QUEUED  MSGS IN  MSGS OUT"
                + "  CONNECTED SINCE\n"
                + "sensor-1   connected  alice  127.0.0.1:50412  5.0       2         0       3       10        12"
                + "  2026-12-05T10:00:00Z\n"
                + "gone       offline    -      -                3.1.1     1         0     250        0         0"
                + "  -\n");
    }

    @Test
    void aRetainedPayloadIsTextWhenUtf8ElseBase64AndALongOneIsCut() throws Exception {
        assertThat(RetainedCommand.payload(json("{'payload':'21.5','payloadEncoding':'utf8'}"))).isEqualTo("21.5");
        assertThat(RetainedCommand.payload(json("{'payload':'/wBB','payloadEncoding':'base64'}")))
                .isEqualTo("base64:/wBB");
        assertThat(RetainedCommand.payload(json("{'payload':'line1\\nline2','payloadEncoding':'utf8'}")))
                .isEqualTo("line1\\nline2");
        String cut = RetainedCommand.payload(json("{'payload':'" + "é".repeat(100) + "','payloadEncoding':'utf8'}"));
        assertThat(cut).isEqualTo("é".repeat(RetainedCommand.PAYLOAD_WIDTH - 3) + "...");
    }

    @Test
    void theRetainedTableShowsTopicQosSizeAndPayload() throws Exception {
        List<JsonNode> messages = List.of(
                json("{'topic':'home/kitchen/temp','qos':1,'payload':'21.5','payloadEncoding':'utf8',"
                        + "'payloadBytes':4,'properties':{}}"),
                json("{'topic':'bin','qos':0,'payload':'/wBB','payloadEncoding':'base64','payloadBytes':3}"));
        assertThat(print(RetainedCommand.table(messages))).isEqualTo(""
                + "TOPIC              QOS  BYTES  PAYLOAD\n"
                + "home/kitchen/temp    1      4  21.5\n"
                + "bin                  0      3  base64:/wBB\n");
    }

    @Test
    void theStatsSummaryReadsAsLinesOfLabelAndFigures() throws Exception {
        JsonNode stats = json("{'time':'2026-12-05T10:00:00Z','version':'0.1.0','node':'node-1',"
                + "'uptimeSeconds':3700,'connections':10,'sessions':{'connected':10,'offline':2},'subscriptions':25,"
                + "'retainedMessages':4,'queuedMessages':0,'messages':{'received':1000,'sent':2000,'dropped':0},"
                + "'bytes':{'received':64000,'sent':128000},"
                + "'rates':{'messagesReceived':12.5,'messagesSent':25.0,'bytesReceived':800.0,'bytesSent':1600.0},"
                + "'dropped':{'queueFull':0,'expired':0,'tooLarge':0,'notAuthorized':0,'noSubscribers':0,'offline':0},"
                + "'store':{'commits':100,'commitSecondsSum':0.05,'commitSecondsMax':0.002},"
                + "'heap':{'used':12345678,'max':1073741824}}");
        assertThat(StatsCommand.summary(stats)).containsExactly(
                "Midge 0.1.0, node node-1, up 1h 1m, at 2026-12-05T10:00:00Z",
                "connections        10",
                "sessions           10 connected, 2 offline",
                "subscriptions      25",
                "retained messages  4",
                "queued messages    0",
                "messages           1000 received, 2000 sent, 0 dropped",
                "bytes              62.5 KiB received, 125.0 KiB sent",
                "per second         12.5 msgs received, 25.0 msgs sent, 800 B received, 1.6 KiB sent",
                "dropped by reason  queue full 0, expired 0, too large 0, not authorized 0, no subscribers 0, "
                        + "offline 0",
                "store              100 commits, 0.50 ms mean, 2.00 ms max",
                "heap               11.8 MiB used of 1.0 GiB");
    }

    @Test
    void aFigureTheAnswerLacksIsLeftOutNotShownAsZero() throws Exception {
        assertThat(StatsCommand.summary(json("{'version':'0.1.0','node':null,'connections':3}")))
                .containsExactly("Midge 0.1.0", "connections        3");
    }

    @Test
    void durationsAndSizesAreShortAndReadable() {
        assertThat(StatsCommand.duration(42)).isEqualTo("42s");
        assertThat(StatsCommand.duration(303)).isEqualTo("5m 3s");
        assertThat(StatsCommand.duration(90061)).isEqualTo("1d 1h");
        assertThat(StatsCommand.bytes(1023)).isEqualTo("1023 B");
        assertThat(StatsCommand.bytes(3L << 30)).isEqualTo("3.0 GiB");
    }

    @Test
    void aClientIdentifierIsOnePercentEncodedPathSegment() {
        assertThat(ManagementApi.segment("a/b c+d%é")).isEqualTo("a%2Fb%20c%2Bd%25%C3%A9");
    }

    @Test
    void severalPagesPrintAsOneInTheApisShape() throws Exception {
        ManagementApi.Page page = new ManagementApi.Page(List.of(json("{'clientId':'a'}"), json("{'clientId':'b'}")),
                "b");
        assertThat(page.toJson()).isEqualTo("{\"items\":[{\"clientId\":\"a\"},{\"clientId\":\"b\"}],\"next\":\"b\"}");
    }
}
