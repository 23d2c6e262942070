package shop.tools.helmcheck;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The smallest Kubernetes API that Helm's {@code lookup} needs, on 127.0.0.1:
 * API discovery for v1 and GET of a Secret, which answers 404 (the namespace
 * of a first install) unless a Secret was given to it (an installed release,
 * for upgrade checks).
 *
 * <p>Why: helm-java 0.0.21 renders templates with Helm's install action in a
 * mode that lets {@code lookup} reach a cluster, where {@code helm template}
 * would answer it with nothing. With no cluster at all, any chart that uses
 * {@code lookup} (ours keeps generated secrets across upgrades with it) cannot
 * render. Pointing KUBECONFIG here gives Helm a cluster that holds nothing, or
 * exactly the Secrets a check wants an earlier release to have left.
 *
 * <p>The kubeconfig goes to the file that KUBECONFIG already names (run.sh
 * makes a temporary one and names it in HELM_CHECK_KUBECONFIG too): Helm's Go
 * runtime reads the environment of the process as it started, so the variable
 * cannot be added from here.
 */
final class FakeKubeApi implements AutoCloseable {

  private static final Pattern SECRET = Pattern.compile("^/api/v1/namespaces/([^/]+)/secrets/([^/?]+)$");

  private final HttpServer server;
  private final Path kubeconfig;
  /** "namespace/name" to the Secret's JSON. */
  private final Map<String, String> secrets = new HashMap<>();

  FakeKubeApi() throws IOException {
    String owned = System.getenv("HELM_CHECK_KUBECONFIG");
    if (owned == null || owned.isEmpty() || !owned.equals(System.getenv("KUBECONFIG"))) {
      throw new IllegalStateException("KUBECONFIG and HELM_CHECK_KUBECONFIG must name the same temporary file: run tools/helm-check/run.sh");
    }
    kubeconfig = Path.of(owned);
    // Without it every answer waits ~40 ms (Nagle's algorithm meets delayed ACKs), and Helm asks twice per lookup.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
    String url = "http://127.0.0.1:" + server.getAddress().getPort();
    Files.writeString(kubeconfig, String.join("\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{name: fake, cluster: {server: \"" + url + "\"}}]",
        "users: [{name: fake, user: {}}]",
        "contexts: [{name: fake, context: {cluster: fake, user: fake}}]",
        "current-context: fake",
        ""), StandardCharsets.UTF_8);
  }

  /** Serves a Secret (its JSON, as the API returns it) as if a release had created it. */
  void addSecret(String namespace, String name, String json) {
    secrets.put(namespace + "/" + name, json);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    Matcher secret = SECRET.matcher(path);
    if (path.equals("/api")) {
      reply(exchange, 200, "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1\"}]}");
    } else if (path.equals("/apis")) {
      reply(exchange, 200, "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[]}");
    } else if (path.equals("/api/v1")) {
      reply(exchange, 200, "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":["
          + "{\"name\":\"secrets\",\"singularName\":\"secret\",\"namespaced\":true,\"kind\":\"Secret\",\"verbs\":[\"get\",\"list\"]},"
          + "{\"name\":\"configmaps\",\"singularName\":\"configmap\",\"namespaced\":true,\"kind\":\"ConfigMap\",\"verbs\":[\"get\",\"list\"]}]}");
    } else if (secret.matches() && secrets.containsKey(secret.group(1) + "/" + secret.group(2))) {
      reply(exchange, 200, secrets.get(secret.group(1) + "/" + secret.group(2)));
    } else {
      reply(exchange, 404, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"not found\",\"reason\":\"NotFound\",\"code\":404}");
    }
  }

  private static void reply(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() throws IOException {
    server.stop(0);
  }
}
