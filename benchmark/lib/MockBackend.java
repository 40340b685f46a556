import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Fallback mock backends for {@code benchmark/run.sh} when nginx is not installed: the same three HTTP/1.1
 * servers as {@code conf/mock-nginx.conf.in} ({@code /} answers {@code "backend N ok\n"}, {@code /bulk.bin}
 * serves the bulk file with sendfile), on Vert.x taken from the HPRP fat jar, one server per event loop.
 *
 * <p>Not part of the build: run.sh starts it in source-file mode,
 * {@code java -cp hprp.jar MockBackend.java EVENT_LOOPS DATA_DIR PORT1 PORT2 PORT3}. It prints
 * {@code HPRP_MOCK READY} once every port listens and runs until killed. Limits: it is a JVM sharing the
 * cores with the proxy under test, and slower than nginx per request, so {@code direct} (its own ceiling)
 * is lower and ratios to it compress; ratios between proxies measured in the same run stay meaningful.
 */
public final class MockBackend {

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: MockBackend EVENT_LOOPS DATA_DIR PORT...");
            System.exit(2);
        }
        int eventLoops = Integer.parseInt(args[0]);
        String bulkFile = args[1] + "/bulk.bin";
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(eventLoops));
        List<Future<String>> deployments = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            int port = Integer.parseInt(args[i]);
            Buffer body = Buffer.buffer("backend " + (i - 1) + " ok\n");
            deployments.add(vertx.deployVerticle(() -> new Server(port, body, bulkFile),
                new DeploymentOptions().setInstances(eventLoops)));
        }
        Future.all(deployments).await();
        System.out.println("HPRP_MOCK READY native=" + vertx.isNativeTransportEnabled());
        new CountDownLatch(1).await();
    }

    private static final class Server extends VerticleBase {
        private final int port;
        private final Buffer body;
        private final String bulkFile;

        Server(int port, Buffer body, String bulkFile) {
            this.port = port;
            this.body = body;
            this.bulkFile = bulkFile;
        }

        @Override
        public Future<?> start() {
            return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)
                    .setAcceptBacklog(4096).setIdleTimeout(0))
                .requestHandler(req -> {
                    if (req.path().equals("/bulk.bin")) {
                        req.response().sendFile(bulkFile);
                    } else {
                        req.response().putHeader("Content-Type", "text/plain").end(body.copy());
                    }
                })
                .listen();
        }
    }
}
