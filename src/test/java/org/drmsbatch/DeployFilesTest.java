package org.drmsbatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.drmsbatch.cli.DrmsCommand;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The deployment files in {@code deploy/} (Compose file, Kubernetes manifests, Dockerfile) against the product they
 * deploy: the commands they run are the real CLI's, every property they set (by {@code --set} or by its environment
 * name) is one drms-batch reads, manager and workers share one volume at one path holding the SUMS partitions, the
 * image runs the jar the build makes, the credentials come from outside the files, and the broker's consumer timeout
 * is raised. No Docker or Kubernetes needed: the files are read as YAML.
 */
class DeployFilesTest {

    static final Path DEPLOY = Path.of("deploy");
    static final Path K8S = DEPLOY.resolve("k8s");
    /** RabbitMQ's default consumer_timeout, 30 minutes: the deployment's must be above it. */
    static final long DEFAULT_CONSUMER_TIMEOUT_MS = 30 * 60 * 1000L;

    /** Canonical forms ({@link #canonical}) of every property drms-batch reads. */
    static Set<String> properties;
    /** Canonical prefixes below which any name is a property (maps: drms.security.users.<name>..., ...). */
    static Set<String> mapPrefixes;
    /** Environment names application.yaml reads itself, as ${NAME:default}. */
    static Set<String> placeholders;

    static Map<String, Object> compose;
    static List<Map<String, Object>> k8s;

    @BeforeAll
    static void load() throws IOException {
        properties = new LinkedHashSet<>();
        mapPrefixes = new LinkedHashSet<>();
        placeholders = new LinkedHashSet<>();
        String applicationYaml = Files.readString(Path.of("src/main/resources/application.yaml"));
        flatten("", new Yaml().load(applicationYaml));
        Matcher m = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]").matcher(applicationYaml);
        while (m.find()) {
            placeholders.add(m.group(1));
        }
        configurationPropertiesRecords();
        springBootMetadata();
        compose = new Yaml().load(Files.readString(DEPLOY.resolve("compose.yaml")));
        k8s = new ArrayList<>();
        try (var files = Files.list(K8S)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object doc : new Yaml().loadAll(Files.readString(f))) {
                    if (doc instanceof Map<?, ?> d && d.containsKey("kind")) {
                        k8s.add(cast(d));
                    }
                }
            }
        }
    }

    // ---- Compose

    @Test
    void composeManagerServesAndWorkerWorks() {
        ParseResult manager = parse(command(service("manager")));
        assertThat(manager.subcommand().commandSpec().name()).isEqualTo("serve");
        assertThat(manager.subcommand().matchedOptionValue("--address", "")).as("the manager listens beyond its "
                + "container").isEqualTo("0.0.0.0");
        ParseResult worker = parse(command(service("worker")));
        assertThat(worker.subcommand().commandSpec().name()).isEqualTo("worker");
        assertThat(service("worker")).as("the worker is scaled (--scale worker=N): no fixed name or host port")
                .doesNotContainKeys("container_name", "ports");
        assertThat(service("worker").get("image")).isEqualTo(service("manager").get("image"));
        Map<String, Object> build = cast(service("manager").get("build"));
        assertThat(DEPLOY.resolve(build.get("context").toString()).resolve(build.get("dockerfile").toString())
                .normalize()).isEqualTo(DEPLOY.resolve("Dockerfile"));
    }

    @Test
    void composeSetsOnlyRealPropertiesAndTurnsTheClusterOn() {
        for (String name : List.of("manager", "worker")) {
            Map<String, String> env = environment(service(name));
            assertRealEnvironment(name, env.keySet());
            assertRealSets(name, command(service(name)));
            assertThat(env).as(name).containsEntry("DRMS_CLUSTER_ENABLED", "true");
            assertThat(URI.create(env.get("DRMS_BROKER_URL")).getHost()).as(name + "'s broker is the rabbitmq service")
                    .isEqualTo("rabbitmq");
            assertThat(URI.create(env.get("DRMS_DB_URL").substring("jdbc:".length())).getHost())
                    .as(name + "'s database is the postgres service").isEqualTo("postgres");
        }
        assertThat(environment(service("manager"))).as("the same database and broker")
                .containsAllEntriesOf(environment(service("worker")));
    }

    @Test
    void composeTakesCredentialsFromOutside() {
        Map<String, String> manager = environment(service("manager"));
        assertThat(manager).containsKey("DRMS_API_TOKEN");
        for (String name : List.of("manager", "worker", "postgres", "rabbitmq")) {
            environment(service(name)).forEach((k, v) -> {
                if (k.contains("PASSWORD") || k.contains("PASS") || k.contains("TOKEN")) {
                    assertThat(v).as(name + " " + k + ": from .env or the environment, required")
                            .matches("\\$\\{[A-Z_]+:\\?.+}");
                }
            });
        }
        assertThat(service("manager").get("ports").toString()).as("published on the host's loopback only")
                .startsWith("[127.0.0.1:");
    }

    @Test
    void composeSharesOneVolumeAtOnePathHoldingThePartitions() {
        Map<String, String> manager = volumes(service("manager"));
        Map<String, String> worker = volumes(service("worker"));
        Map<String, Object> named = cast(compose.get("volumes"));
        String shared = manager.keySet().stream().filter(named::containsKey).findFirst().orElseThrow();
        assertThat(worker).as("the worker mounts the manager's volume at the same path")
                .containsEntry(shared, manager.get(shared));
        String path = manager.get(shared);
        for (String name : List.of("manager", "worker")) {
            assertThat(environment(service(name)).get("DRMS_HOME")).as(name + "'s drms.home").isEqualTo(path);
            assertThat(setValues(command(service(name)), "drms.partitions")).as(name + "'s partitions")
                    .isNotEmpty().allSatisfy(p -> assertThat(Path.of(p)).isAbsolute().startsWithRaw(Path.of(path)));
        }
        assertThat(setValues(command(service("worker")), "drms.partitions"))
                .isEqualTo(setValues(command(service("manager")), "drms.partitions"));
    }

    @Test
    void composeBrokerHoldsMessagesAsLongAsAPartitionRuns() throws IOException {
        Map<String, String> volumes = volumes(service("rabbitmq"));
        String conf = volumes.entrySet().stream().filter(e -> e.getValue().startsWith("/etc/rabbitmq/conf.d/"))
                .map(Map.Entry::getKey).findFirst().orElseThrow();
        assertThat(consumerTimeout(Files.readString(DEPLOY.resolve(conf)))).isGreaterThan(DEFAULT_CONSUMER_TIMEOUT_MS);
    }

    // ---- Kubernetes

    @Test
    void k8sManagerServesAndWorkerWorks() {
        ParseResult manager = parse(args(container(deployment("manager"))));
        assertThat(manager.subcommand().commandSpec().name()).isEqualTo("serve");
        assertThat(manager.subcommand().matchedOptionValue("--address", "")).isEqualTo("0.0.0.0");
        assertThat(parse(args(container(deployment("worker")))).subcommand().commandSpec().name())
                .isEqualTo("worker");
        assertThat(container(deployment("worker")).get("image")).isEqualTo(container(deployment("manager"))
                .get("image"));
        // the Service reaches the manager's pods and no worker's
        Map<String, Object> service = resource("Service", "drms-manager");
        Map<String, Object> selector = cast(cast(service.get("spec")).get("selector"));
        assertThat(labels(deployment("manager"))).containsAllEntriesOf(cast(selector));
        assertThat(labels(deployment("worker")).entrySet().containsAll(selector.entrySet()))
                .as("workers are not behind the API's Service").isFalse();
    }

    @Test
    void k8sSetsOnlyRealPropertiesAndTakesCredentialsFromTheSecret() {
        Map<String, Object> secret = resource("Secret", "drms-credentials");
        Map<String, Object> secretData = cast(secret.get("stringData"));
        assertThat(secretData.values()).as("the example Secret holds no usable credential").allMatch(v -> v
                .toString().isEmpty());
        for (String role : List.of("manager", "worker")) {
            Map<String, Object> c = container(deployment(role));
            Map<String, String> env = k8sEnvironment(c);
            assertRealEnvironment(role, env.keySet());
            assertRealSets(role, args(c));
            assertThat(env).containsEntry("DRMS_CLUSTER_ENABLED", "true");
            for (Map<String, Object> e : envList(c)) {
                String name = e.get("name").toString();
                if (name.contains("PASSWORD") || name.contains("TOKEN")) {
                    Map<String, Object> ref = cast(cast(e.get("valueFrom")).get("secretKeyRef"));
                    assertThat(ref.get("name")).as(role + " " + name).isEqualTo("drms-credentials");
                    assertThat(secretData).as(role + " " + name).containsKey(ref.get("key").toString());
                }
            }
            assertThat(URI.create(env.get("DRMS_BROKER_URL")).getHost()).startsWith("rabbitmq.");
            assertThat(URI.create(env.get("DRMS_DB_URL").substring("jdbc:".length())).getHost())
                    .startsWith("postgres.");
        }
        assertThat(k8sEnvironment(container(deployment("manager")))).containsKey("DRMS_API_TOKEN");
        assertThat(cast(resource("ConfigMap", "drms-config").get("data")).keySet())
                .as("no credential in the ConfigMap").noneMatch(k -> k.contains("PASS") || k.contains("TOKEN"));
    }

    @Test
    void k8sSharesOneReadWriteManyClaimAtOnePathHoldingThePartitions() {
        Map<String, String> manager = claimMounts(deployment("manager"));
        Map<String, String> worker = claimMounts(deployment("worker"));
        assertThat(manager).hasSize(1);
        assertThat(worker).isEqualTo(manager);
        String claim = manager.keySet().iterator().next();
        String path = manager.get(claim);
        assertThat(String.valueOf(cast(resource("PersistentVolumeClaim", claim).get("spec")).get("accessModes")))
                .as("pods on several nodes mount it").isEqualTo("[ReadWriteMany]");
        for (String role : List.of("manager", "worker")) {
            Map<String, Object> c = container(deployment(role));
            assertThat(k8sEnvironment(c).get("DRMS_HOME")).isEqualTo(path);
            assertThat(setValues(args(c), "drms.partitions")).isNotEmpty()
                    .allSatisfy(p -> assertThat(Path.of(p)).isAbsolute().startsWithRaw(Path.of(path)));
        }
    }

    @Test
    void k8sBrokerHoldsMessagesAsLongAsAPartitionRuns() throws IOException {
        Map<String, Object> data = cast(resource("ConfigMap", "rabbitmq-config").get("data"));
        long timeout = consumerTimeout(data.values().iterator().next().toString());
        assertThat(timeout).isGreaterThan(DEFAULT_CONSUMER_TIMEOUT_MS)
                .as("the same as the Compose file's").isEqualTo(consumerTimeout(Files.readString(
                        DEPLOY.resolve("rabbitmq/20-drms.conf"))));
    }

    // ---- the image

    @Test
    void imageRunsTheJarTheBuildMakes() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        Matcher finalName = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(pom);
        assertThat(finalName.find()).as("pom.xml names its jar").isTrue();
        String jar = "target/" + finalName.group(1) + ".jar";
        assertThat(Files.readString(Path.of("drms"))).as("the drms script runs the same jar")
                .contains("\"$here/" + jar + "\"");
        String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"));
        assertThat(dockerfile).containsPattern("(?m)^FROM eclipse-temurin:17-jre\\b");
        Matcher copy = Pattern.compile("(?m)^COPY " + Pattern.quote(jar) + " (\\S+)$").matcher(dockerfile);
        assertThat(copy.find()).as("the Dockerfile copies " + jar).isTrue();
        assertThat(dockerfile).as("its entrypoint runs it as the drms command, with DRMS_JAVA_OPTS")
                .contains("exec java ${DRMS_JAVA_OPTS:-} -jar " + copy.group(1) + " \"$@\"")
                .contains("ENTRYPOINT [\"/usr/local/bin/drms\"]")
                .containsPattern("(?m)^USER 10001");
        assertThat(dockerfile).as("no credential in the image").doesNotContainPattern("(?m)^ENV .*(PASS|TOKEN)");
    }

    @Test
    void readmeCommandsNameTheseFiles() throws IOException {
        String readme = Files.readString(DEPLOY.resolve("README.md"));
        assertThat(readme).contains("docker compose up -d --build --scale worker=")
                .contains("scale deployment/" + name(deployment("worker")) + " --replicas=")
                .contains("kubectl apply -k deploy/k8s")
                .contains("create secret generic drms-credentials");
        for (Object key : cast(resource("Secret", "drms-credentials").get("stringData")).keySet()) {
            assertThat(readme).contains("--from-literal=" + key + "=");
        }
    }

    @Test
    void theCheckItselfRefusesAnInventedProperty() {
        assertThat(isProperty("drms.cluster.broker-url")).isTrue();
        assertThat(isEnvironmentName("DRMS_CLUSTER_DEADAFTER")).isTrue();
        assertThat(isEnvironmentName("SPRING_DATASOURCE_PASSWORD")).isTrue();
        assertThat(isProperty("drms.cluster.brokers")).isFalse();
        assertThat(isEnvironmentName("DRMS_CLUSTER_WORKERS")).isFalse();
        assertThat(isEnvironmentName("DRMS_DB_PASSWORD")).isFalse();
    }

    // ---- what counts as a property

    static void assertRealEnvironment(String who, Collection<String> names) {
        for (String name : names) {
            if (name.equals("DRMS_JAVA_OPTS")) {
                continue; // the image's drms wrapper passes it to the JVM (imageRunsTheJarTheBuildMakes)
            }
            assertThat(isEnvironmentName(name)).as(who + ": " + name + " is no property drms-batch reads").isTrue();
        }
    }

    static void assertRealSets(String who, List<String> args) {
        for (String set : sets(args)) {
            String name = set.substring(0, set.indexOf('='));
            assertThat(isProperty(name)).as(who + ": --set " + name + " is no property drms-batch reads").isTrue();
        }
    }

    static boolean isEnvironmentName(String env) {
        if (placeholders.contains(env)) {
            return true;
        }
        // Spring Boot's relaxed binding: drms.cluster.dead-after <- DRMS_CLUSTER_DEADAFTER
        String c = env.toLowerCase().replace('_', '.');
        return properties.contains(c) || mapPrefixes.stream().anyMatch(p -> c.startsWith(p + "."));
    }

    static boolean isProperty(String name) {
        String c = canonical(name);
        return properties.contains(c) || mapPrefixes.stream().anyMatch(p -> c.startsWith(p + "."));
    }

    /** drms.cluster.dead-after and drms.cluster.deadAfter -> drms.cluster.deadafter; list indexes dropped. */
    static String canonical(String name) {
        return name.replaceAll("\\[\\d+]", "").replace("-", "").toLowerCase();
    }

    private static void flatten(String prefix, Object node) {
        if (node instanceof Map<?, ?> map && !map.isEmpty()) {
            map.forEach((k, v) -> flatten(prefix.isEmpty() ? k.toString() : prefix + "." + k, v));
        } else if (!prefix.isEmpty()) {
            properties.add(canonical(prefix));
        }
    }

    /** Our @ConfigurationProperties records, component by component (nested records followed, maps as prefixes). */
    private static void configurationPropertiesRecords() {
        var scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
        for (BeanDefinition bd : scanner.findCandidateComponents("org.drmsbatch")) {
            try {
                Class<?> type = Class.forName(bd.getBeanClassName());
                ConfigurationProperties cp = type.getAnnotation(ConfigurationProperties.class);
                walk(cp.prefix().isEmpty() ? cp.value() : cp.prefix(), type);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        assertThat(properties).as("the scan found drms.cluster.*").contains("drms.cluster.deadafter");
    }

    private static void walk(String prefix, Class<?> type) {
        if (!type.isRecord()) {
            properties.add(canonical(prefix));
            return;
        }
        for (RecordComponent rc : type.getRecordComponents()) {
            String name = prefix + "." + rc.getName();
            Class<?> t = rc.getType();
            if (Map.class.isAssignableFrom(t)) {
                mapPrefixes.add(canonical(name));
            } else if (t.isRecord() && t.getName().startsWith("org.drmsbatch")) {
                walk(name, t);
            } else {
                properties.add(canonical(name));
            }
        }
    }

    /** Spring Boot's own properties (spring.datasource.password, server.ssl.*, ...), from its jars' metadata. */
    private static void springBootMetadata() throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        Enumeration<URL> files = DeployFilesTest.class.getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json");
        while (files.hasMoreElements()) {
            try (InputStream in = files.nextElement().openStream()) {
                JsonNode props = json.readTree(in).get("properties");
                if (props != null) {
                    for (JsonNode p : props) {
                        properties.add(canonical(p.get("name").asString()));
                    }
                }
            }
        }
        assertThat(properties).as("Spring Boot's metadata is on the classpath").contains("spring.datasource.password");
    }

    // ---- reading the files

    static ParseResult parse(List<String> args) {
        ParseResult r = new CommandLine(new DrmsCommand()).parseArgs(args.toArray(String[]::new));
        assertThat(r.hasSubcommand()).as("%s names a drms command", args).isTrue();
        return r;
    }

    /** The --set NAME=VALUE arguments given to drms itself (before the command). */
    static List<String> sets(List<String> args) {
        return parse(args).matchedOptionValue("--set", List.of());
    }

    static List<String> setValues(List<String> args, String property) {
        List<String> out = new ArrayList<>();
        for (String s : sets(args)) {
            if (canonical(s.substring(0, s.indexOf('='))).equals(canonical(property))) {
                out.addAll(List.of(s.substring(s.indexOf('=') + 1).split(",")));
            }
        }
        return out;
    }

    static Map<String, Object> service(String name) {
        Map<String, Object> services = cast(compose.get("services"));
        assertThat(services).as("compose.yaml's services").containsKey(name);
        return cast(services.get(name));
    }

    static List<String> command(Map<String, Object> service) {
        Object c = service.get("command");
        assertThat(c).as("the command as a list (exec form)").isInstanceOf(List.class);
        return ((List<?>) c).stream().map(Object::toString).toList();
    }

    static Map<String, String> environment(Map<String, Object> service) {
        Map<String, String> env = new LinkedHashMap<>();
        Object e = service.get("environment");
        if (e instanceof Map<?, ?> m) {
            m.forEach((k, v) -> env.put(k.toString(), String.valueOf(v)));
        } else if (e instanceof List<?> l) {
            for (Object item : l) {
                String s = item.toString();
                int eq = s.indexOf('=');
                env.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : s.substring(eq + 1));
            }
        }
        return env;
    }

    /** source -> target of a service's volumes (short syntax). */
    static Map<String, String> volumes(Map<String, Object> service) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Object v : (List<?>) service.get("volumes")) {
            String[] parts = v.toString().split(":");
            out.put(parts[0], parts[1]);
        }
        return out;
    }

    static Map<String, Object> resource(String kind, String name) {
        return k8s.stream().filter(r -> r.get("kind").equals(kind) && name(r).equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in deploy/k8s"));
    }

    static Map<String, Object> deployment(String component) {
        List<Map<String, Object>> found = k8s.stream().filter(r -> r.get("kind").equals("Deployment")
                && component.equals(labels(r).get("app.kubernetes.io/component"))).toList();
        assertThat(found).as("one Deployment of component " + component).hasSize(1);
        return found.get(0);
    }

    static String name(Map<String, Object> resource) {
        return cast(resource.get("metadata")).get("name").toString();
    }

    static Map<String, Object> podSpec(Map<String, Object> deployment) {
        return cast(cast(cast(deployment.get("spec")).get("template")).get("spec"));
    }

    static Map<String, Object> labels(Map<String, Object> deployment) {
        return cast(cast(cast(cast(deployment.get("spec")).get("template")).get("metadata")).get("labels"));
    }

    static Map<String, Object> container(Map<String, Object> deployment) {
        List<?> containers = (List<?>) podSpec(deployment).get("containers");
        assertThat(containers).hasSize(1);
        return cast(containers.get(0));
    }

    static List<String> args(Map<String, Object> container) {
        assertThat(container).as("the image's entrypoint is drms: the container gives args, not command")
                .doesNotContainKey("command");
        return ((List<?>) container.get("args")).stream().map(Object::toString).toList();
    }

    static List<Map<String, Object>> envList(Map<String, Object> container) {
        List<?> env = (List<?>) container.get("env");
        return env == null ? List.of() : env.stream().map(DeployFilesTest::cast).toList();
    }

    /** A container's environment: its ConfigMaps' (envFrom) data, then its env (secretKeyRefs as "secret:key"). */
    static Map<String, String> k8sEnvironment(Map<String, Object> container) {
        Map<String, String> env = new LinkedHashMap<>();
        List<?> from = (List<?>) container.get("envFrom");
        if (from != null) {
            for (Object f : from) {
                Map<String, Object> ref = cast(cast(f).get("configMapRef"));
                cast(resource("ConfigMap", ref.get("name").toString()).get("data"))
                        .forEach((k, v) -> env.put(k, String.valueOf(v)));
            }
        }
        for (Map<String, Object> e : envList(container)) {
            Object value = e.get("value");
            if (value == null) {
                Map<String, Object> ref = cast(cast(e.get("valueFrom")).get("secretKeyRef"));
                value = "secret:" + ref.get("name") + ":" + ref.get("key");
            }
            env.put(e.get("name").toString(), value.toString());
        }
        return env;
    }

    /** claim name -> mount path of a Deployment's PersistentVolumeClaim volumes. */
    static Map<String, String> claimMounts(Map<String, Object> deployment) {
        Map<String, String> claims = new LinkedHashMap<>();
        for (Object v : (List<?>) podSpec(deployment).get("volumes")) {
            Map<String, Object> volume = cast(v);
            if (volume.get("persistentVolumeClaim") != null) {
                claims.put(volume.get("name").toString(), cast(volume.get("persistentVolumeClaim")).get("claimName")
                        .toString());
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Object m : (List<?>) container(deployment).get("volumeMounts")) {
            Map<String, Object> mount = cast(m);
            String claim = claims.get(mount.get("name").toString());
            if (claim != null) {
                out.put(claim, mount.get("mountPath").toString());
            }
        }
        return out;
    }

    static long consumerTimeout(String rabbitmqConf) {
        Matcher m = Pattern.compile("(?m)^\\s*consumer_timeout\\s*=\\s*(\\d+)\\s*$").matcher(rabbitmqConf);
        assertThat(m.find()).as("consumer_timeout is set: %s", rabbitmqConf).isTrue();
        return Long.parseLong(m.group(1));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }
}
