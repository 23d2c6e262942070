package shop.tools.helmcheck;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs real Helm on a chart: {@code helm lint --strict} (chart defaults) and
 * {@code helm template} once per values set, and writes what it saw.
 *
 * <pre>
 * java -jar helm-check.jar --chart helm/shop --out tmp/helm-rendered \
 *     default= production=helm/shop/examples/values-production.yaml aws=a.yaml,b.yaml
 * </pre>
 *
 * For each set NAME it writes {@code OUT/NAME.yaml} (the rendered manifests) or
 * {@code OUT/NAME.error.txt} (Helm's error), and {@code OUT/report.json} for
 * the whole run. The exit code is 1 when the lint or any render failed, 2 on
 * bad usage. helm-java 0.0.21's lint takes no values files, so the values
 * sets are checked by {@code helm template}, which applies values.schema.json
 * to the merged values exactly as {@code helm install} does.
 */
public final class HelmCheck {

  private record ValuesSet(String name, List<Path> files) {}

  private record Outcome(String name, List<Path> files, boolean ok, String error, long millis, int documents) {}

  private HelmCheck() {}

  public static void main(String[] args) throws IOException {
    Path chart = null;
    Path out = null;
    String releaseName = "shop";
    String namespace = "shop";
    String kubeVersion = "1.31.0";
    boolean lint = true;
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
    Helm helm = new Helm(chart);

    String helmVersion = Helm.version().call().trim();
    System.out.println("helm-check: Helm " + helmVersion + " (helm-java), chart " + chart);
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
      Path errorFile = out.resolve(set.name() + ".error.txt");
      Files.deleteIfExists(manifest);
      Files.deleteIfExists(errorFile);
      TemplateCommand template = helm.template().withName(releaseName).withNamespace(namespace).withKubeVersion(kubeVersion);
      for (Path f : set.files()) template = template.withValuesFile(f.toAbsolutePath());
      Outcome outcome;
      try {
        String rendered = template.call();
        Files.writeString(manifest, rendered, StandardCharsets.UTF_8);
        int docs = rendered.split("(?m)^---\\s*$").length - 1;
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
    System.exit(failed ? 1 : 0);
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
    System.err.println("usage: helm-check --chart DIR --out DIR [--release NAME] [--namespace NS] [--kube-version X.Y.Z] [--no-lint] NAME=[VALUES[,VALUES...]] ...");
    System.exit(2);
  }
}
