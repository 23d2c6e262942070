package shop.tools.helmcheck;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.FileVisitOption;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs real Helm on a chart: {@code helm lint --strict} (chart defaults) and
 * {@code helm template} once per values set, and writes what it saw.
 *
 * <pre>
 * java -jar helm-check.jar --chart helm/shop --out tmp/helm-rendered \
 *     default= production=helm/shop/examples/values-production.yaml aws=a.yaml,b.yaml
 * </pre>
 *
 * {@code --installed-secret NAME=FILE} makes the (fake) cluster hold the
 * Secret NAME, as JSON in FILE, as an earlier release would have left it.
 *
 * For each set NAME it writes {@code OUT/NAME.yaml} (the release manifests),
 * {@code OUT/NAME.hooks.yaml} (the hook manifests) or {@code OUT/NAME.error.txt}
 * (Helm's error), and {@code OUT/report.json} for the whole run. The exit code
 * is 1 when the lint or any render failed, 2 on bad usage.
 *
 * <p>Two gaps of helm-java 0.0.21 and how they are bridged, with Helm still
 * doing all the rendering:
 * <ul>
 *   <li>Its lint takes no values files, so the values sets are checked by
 *       {@code helm template}, which applies values.schema.json to the merged
 *       values exactly as {@code helm install} does.</li>
 *   <li>Its template returns the release manifest only, without the hooks
 *       that {@code helm template} prints. So each set is rendered a second
 *       time from a temporary copy of the chart in which the annotation key
 *       {@code helm.sh/hook*} is renamed: Helm then treats the hooks as plain
 *       manifests and returns them. The documents that carried the renamed
 *       key are the hooks (written back with the real key); every other
 *       document must come out byte for byte as in the first render, or the
 *       run fails.</li>
 * </ul>
 */
public final class HelmCheck {

  private record ValuesSet(String name, List<Path> files) {}

  private record Outcome(String name, List<Path> files, boolean ok, String error, long millis, int documents) {}

  /** Stands in for "helm.sh/hook" in the copy rendered to reveal the hooks; not a real annotation. */
  private static final String HOOK_KEY = "helm.sh/hook";
  private static final String HOOK_KEY_STAND_IN = "helm-check.invalid/hook";

  private HelmCheck() {}

  public static void main(String[] args) throws IOException {
    Path chart = null;
    Path out = null;
    String releaseName = "shop";
    String namespace = "shop";
    String kubeVersion = "1.31.0";
    boolean lint = true;
    Map<String, Path> installedSecrets = new LinkedHashMap<>();
    List<ValuesSet> sets = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--chart" -> chart = Paths.get(args[++i]);
        case "--out" -> out = Paths.get(args[++i]);
        case "--release" -> releaseName = args[++i];
        case "--namespace" -> namespace = args[++i];
        case "--kube-version" -> kubeVersion = args[++i];
        case "--no-lint" -> lint = false;
        case "--installed-secret" -> {
          String[] nameAndFile = args[++i].split("=", 2);
          installedSecrets.put(nameAndFile[0], Paths.get(nameAndFile[1]));
        }
        default -> {
          int eq = a.indexOf('=');
          if (eq <= 0 || a.startsWith("-")) {
            usage("unexpected argument: " + a);
            return;
          }
          List<Path> files = new ArrayList<>();
          for (String f : a.substring(eq + 1).split(",")) {
            if (!f.isBlank()) files.add(Paths.get(f));
          }
          sets.add(new ValuesSet(a.substring(0, eq), files));
        }
      }
    }
    if (chart == null || out == null || sets.isEmpty()) {
      usage("--chart, --out and at least one NAME=VALUES set are required");
      return;
    }
    Files.createDirectories(out);
    FakeKubeApi cluster = new FakeKubeApi();
    for (Map.Entry<String, Path> secret : installedSecrets.entrySet()) {
      cluster.addSecret(namespace, secret.getKey(), Files.readString(secret.getValue(), StandardCharsets.UTF_8));
    }
    Helm helm = new Helm(chart);

    String helmVersion = Helm.version().call().trim();
    System.out.println("helm-check: Helm " + helmVersion + " (helm-java), chart " + chart
        + (installedSecrets.isEmpty() ? "" : ", cluster holding the Secrets " + installedSecrets.keySet()));
    Path hooksChart = chartWithHooksUnmarked(chart);
    Helm hooksHelm = new Helm(hooksChart);
    boolean failed = false;

    LintResult lintResult = null;
    long lintMillis = 0;
    if (lint) {
      long t0 = System.nanoTime();
      try {
        lintResult = helm.lint().strict().call();
      } catch (RuntimeException e) {
        lintResult = new LintResult(List.of("[ERROR] " + e.getMessage()), true);
      }
      lintMillis = (System.nanoTime() - t0) / 1_000_000;
      System.out.println("helm lint --strict: " + (lintResult.isFailed() ? "FAILED" : "ok") + " (" + lintMillis + " ms)");
      for (String m : lintResult.getMessages()) System.out.println("  " + m);
      failed |= lintResult.isFailed();
    }

    List<Outcome> outcomes = new ArrayList<>();
    for (ValuesSet set : sets) {
      long t0 = System.nanoTime();
      Path manifest = out.resolve(set.name() + ".yaml");
      Path hooksManifest = out.resolve(set.name() + ".hooks.yaml");
      Path errorFile = out.resolve(set.name() + ".error.txt");
      Files.deleteIfExists(manifest);
      Files.deleteIfExists(hooksManifest);
      Files.deleteIfExists(errorFile);
      Outcome outcome;
      try {
        String rendered = render(helm, set, releaseName, namespace, kubeVersion);
        Files.writeString(manifest, rendered, StandardCharsets.UTF_8);
        String hooks = hooksOf(rendered, render(hooksHelm, set, releaseName, namespace, kubeVersion));
        Files.writeString(hooksManifest, hooks, StandardCharsets.UTF_8);
        int docs = documents(rendered).size() + documents(hooks).size();
        outcome = new Outcome(set.name(), set.files(), true, null, (System.nanoTime() - t0) / 1_000_000, docs);
      } catch (RuntimeException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        Files.writeString(errorFile, message + "\n", StandardCharsets.UTF_8);
        outcome = new Outcome(set.name(), set.files(), false, message, (System.nanoTime() - t0) / 1_000_000, 0);
        failed = true;
      }
      outcomes.add(outcome);
      System.out.println("helm template " + set.name() + " " + set.files() + ": "
          + (outcome.ok() ? outcome.documents() + " documents -> " + manifest : "FAILED: " + outcome.error())
          + " (" + outcome.millis() + " ms)");
    }

    Files.writeString(out.resolve("report.json"), report(helmVersion, chart, kubeVersion, lintResult, lintMillis, outcomes), StandardCharsets.UTF_8);
    deleteTree(hooksChart);
    cluster.close();
    System.exit(failed ? 1 : 0);
  }

  private static String render(Helm helm, ValuesSet set, String releaseName, String namespace, String kubeVersion) {
    TemplateCommand template = helm.template().withName(releaseName).withNamespace(namespace).withKubeVersion(kubeVersion);
    for (Path f : set.files()) template = template.withValuesFile(f.toAbsolutePath());
    return template.call();
  }

  /** A copy of the chart (symbolic links resolved) whose templates say HOOK_KEY_STAND_IN where they said HOOK_KEY. */
  private static Path chartWithHooksUnmarked(Path chart) throws IOException {
    Path copy = Files.createTempDirectory("helm-check-hooks-").resolve(chart.toAbsolutePath().normalize().getFileName());
    int renamed = 0;
    try (Stream<Path> files = Files.walk(chart, FileVisitOption.FOLLOW_LINKS)) {
      for (Path source : (Iterable<Path>) files::iterator) {
        Path target = copy.resolve(chart.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else if (chart.relativize(source).startsWith("templates")) {
          String text = Files.readString(source, StandardCharsets.UTF_8);
          renamed += text.split(java.util.regex.Pattern.quote(HOOK_KEY), -1).length - 1;
          Files.writeString(target, text.replace(HOOK_KEY, HOOK_KEY_STAND_IN), StandardCharsets.UTF_8);
        } else {
          Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    System.out.println("hooks: " + renamed + " '" + HOOK_KEY + "' annotation keys unmarked in a copy of the chart at " + copy);
    return copy;
  }

  /**
   * The hook documents of a render of the unmarked copy, with their real
   * annotation key back. Fails unless its other documents are the objects of
   * the release manifest Helm rendered from the chart itself, in its order.
   * (Objects, not bytes: generated secrets differ from one render to the next.)
   */
  private static String hooksOf(String manifest, String unmarked) {
    List<String> release = new ArrayList<>();
    for (String doc : documents(manifest)) release.add(identity(doc));
    StringBuilder hooks = new StringBuilder();
    List<String> plain = new ArrayList<>();
    for (String doc : documents(unmarked)) {
      if (doc.contains(HOOK_KEY_STAND_IN)) {
        hooks.append("---\n").append(doc.replace(HOOK_KEY_STAND_IN, HOOK_KEY)).append('\n');
      } else {
        plain.add(identity(doc));
      }
    }
    if (!plain.equals(release)) {
      throw new IllegalStateException("the render that reveals the hooks has other objects than the release manifest: " + plain + " vs " + release);
    }
    return hooks.toString();
  }

  private static final java.util.regex.Pattern SOURCE = java.util.regex.Pattern.compile("(?m)^# Source: (.+)$");
  private static final java.util.regex.Pattern KIND = java.util.regex.Pattern.compile("(?m)^kind: (.+)$");
  private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("(?m)^  name: (.+)$");

  /** Template, kind and name of one rendered document. */
  private static String identity(String doc) {
    return first(SOURCE, doc) + " " + first(KIND, doc) + "/" + first(NAME, doc);
  }

  private static String first(java.util.regex.Pattern p, String doc) {
    java.util.regex.Matcher m = p.matcher(doc);
    return m.find() ? m.group(1).trim() : "?";
  }

  private static List<String> documents(String yaml) {
    List<String> docs = new ArrayList<>();
    for (String part : yaml.split("(?m)^---\\s*$")) {
      if (!part.isBlank()) docs.add(part.strip());
    }
    return docs;
  }

  private static void deleteTree(Path dir) throws IOException {
    Path root = dir.getParent();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
    }
  }

  private static String report(String helmVersion, Path chart, String kubeVersion, LintResult lint, long lintMillis, List<Outcome> outcomes) {
    StringBuilder b = new StringBuilder();
    b.append("{\n  \"helmVersion\": ").append(json(helmVersion));
    b.append(",\n  \"chart\": ").append(json(chart.toString()));
    b.append(",\n  \"kubeVersion\": ").append(json(kubeVersion));
    if (lint != null) {
      b.append(",\n  \"lint\": { \"failed\": ").append(lint.isFailed()).append(", \"millis\": ").append(lintMillis).append(", \"messages\": [");
      for (int i = 0; i < lint.getMessages().size(); i++) b.append(i == 0 ? "" : ", ").append(json(lint.getMessages().get(i)));
      b.append("] }");
    }
    b.append(",\n  \"renders\": [");
    for (int i = 0; i < outcomes.size(); i++) {
      Outcome o = outcomes.get(i);
      b.append(i == 0 ? "\n" : ",\n").append("    { \"name\": ").append(json(o.name())).append(", \"valuesFiles\": [");
      for (int j = 0; j < o.files().size(); j++) b.append(j == 0 ? "" : ", ").append(json(o.files().get(j).toString()));
      b.append("], \"ok\": ").append(o.ok()).append(", \"documents\": ").append(o.documents()).append(", \"millis\": ").append(o.millis());
      b.append(", \"error\": ").append(o.error() == null ? "null" : json(o.error())).append(" }");
    }
    b.append("\n  ]\n}\n");
    return b.toString();
  }

  private static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.append('"').toString();
  }

  private static void usage(String problem) {
    System.err.println("helm-check: " + problem);
    System.err.println("usage: helm-check --chart DIR --out DIR [--release NAME] [--namespace NS] [--kube-version X.Y.Z] [--no-lint]"
        + " [--installed-secret NAME=SECRET.json ...] NAME=[VALUES[,VALUES...]] ...");
    System.exit(2);
  }
}
