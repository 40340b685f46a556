import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.pool.ConnectResult;
import io.vertx.core.internal.pool.ConnectionPool;
import io.vertx.core.internal.pool.Lease;
import io.vertx.core.internal.pool.PoolConnector;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.transport.Transport;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The calibration targets {@code netty-http}, {@code netty-vertx-http} and {@code netty-vpool-http} of
 * {@code benchmark/run.sh}: DESIGN §4's
 * second shape for HTTP mode, bare, measured before anyone builds it into HPRP (whose HTTP mode is Vert.x's
 * {@code HttpServer} and {@code HttpClient} pool, as issue 10 asks). Netty's HTTP server codec on the client's side,
 * each request taken as Netty's own {@code HttpRequest}/{@code HttpContent} objects and sent, round-robin, to a
 * keep-alive backend connection of the client's event loop:
 * <ul>
 *   <li>{@code netty}: Netty's HTTP client codec on the backend side, with a pool of idle connections per event loop
 *       and backend, the objects forwarded as they are;</li>
 *   <li>{@code vertx}: Vert.x's {@code HttpClient} and its pool on the backend side (one client per event loop, used
 *       from a context on that loop, as HPRP does), the objects re-wrapped each way: the middle step that keeps
 *       Vert.x's pool.</li>
 *   <li>{@code vertx-pool}: Netty's HTTP client codec as for {@code netty}, its connections held by Vert.x's own
 *       connection pool ({@code io.vertx.core.internal.pool.ConnectionPool}, the one under its {@code HttpClient}), one
 *       per event loop and backend: Vert.x's pool without its HTTP client.</li>
 * </ul>
 *
 * <p>Not HPRP and not part of the build: none of HPRP's limits, health, retries, forwarded headers, timeouts,
 * WebSocket or pipelining (a client sends its next request after the response, as wrk does). What it does do is
 * the work every HTTP proxy must: parse and re-encode both heads, drop {@code Connection}, reuse backend connections,
 * stream bodies without aggregating them, close the client's connection after a {@code Connection: close} request;
 * the {@code netty} and {@code vertx-pool} sides also stop reading from one side while the other is not writable.
 *
 * <p>Run by run.sh in source-file mode on the Netty and Vert.x of the HPRP jar, with HPRP's JVM options:
 * {@code java -cp hprp.jar NettyHttpProxy.java PORT EVENT_LOOPS HOST:PORT,HOST:PORT,... netty|vertx|vertx-pool}.
 * Transport: io_uring, else epoll, as HPRP picks; the event loops accept and serve alike.
 */
public final class NettyHttpProxy {

    public static void main(String[] args) throws Exception {
        if (args.length != 4 || !args[3].matches("netty|vertx|vertx-pool")) {
            System.err.println("usage: NettyHttpProxy PORT EVENT_LOOPS HOST:PORT,HOST:PORT,... netty|vertx|vertx-pool");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int loops = Integer.parseInt(args[1]);
        List<InetSocketAddress> backends = new ArrayList<>();
        for (String b : args[2].split(",")) {
            int colon = b.lastIndexOf(':');
            backends.add(new InetSocketAddress(b.substring(0, colon), Integer.parseInt(b.substring(colon + 1))));
        }
        String side = args[3];
        boolean uring = IoUring.isAvailable();
        if (!uring && !Epoll.isAvailable()) {
            throw new IllegalStateException("neither io_uring nor epoll here", Epoll.unavailabilityCause());
        }
        Class<? extends ServerChannel> serverChannel = uring ? IoUringServerSocketChannel.class
            : EpollServerSocketChannel.class;
        Class<? extends SocketChannel> channel = uring ? IoUringSocketChannel.class : EpollSocketChannel.class;
        EventLoopGroup group;
        Supplier<ClientSide> fronts;
        Bootstrap upstream = new Bootstrap().channel(channel).option(ChannelOption.TCP_NODELAY, true)
            .handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new HttpClientCodec(), new Back());
                }
            });
        if (side.equals("netty")) {
            group = new MultiThreadIoEventLoopGroup(loops, uring ? IoUringIoHandler.newFactory()
                : EpollIoHandler.newFactory());
            Pools pools = new Pools(backends, upstream);
            fronts = () -> new Front(pools);
        } else {
            // Vert.x's event loops, so that its pool and this server share them, as in HPRP.
            VertxInternal vertx = (VertxInternal) Vertx.builder().with(new VertxOptions().setEventLoopPoolSize(loops))
                .withTransport(uring ? Transport.IO_URING : Transport.EPOLL).build();
            group = vertx.nettyEventLoopGroup();
            if (side.equals("vertx")) {
                VertxClients clients = new VertxClients(vertx, backends);
                fronts = () -> new VertxFront(clients);
            } else {
                VertxPools pools = new VertxPools(vertx, backends, upstream);
                fronts = () -> new Front(pools);
            }
        }
        new ServerBootstrap().group(group).channel(serverChannel)
            .option(ChannelOption.SO_BACKLOG, 4096)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new HttpServerCodec(), fronts.get());
                }
            })
            .bind("127.0.0.1", port).sync();
        System.out.println("netty-http listening on 127.0.0.1:" + port + ", backend side " + side + ", transport "
            + (uring ? "io_uring" : "epoll") + ", " + loops + " event loop(s)");
    }

    /**
     * Per event loop, a context of Vert.x's on it and an {@code HttpClient} whose pool is used from that context only,
     * as HPRP's HTTP mode keeps one client per event loop; the round-robin position per event loop.
     */
    private static final class VertxClients {
        private final VertxInternal vertx;
        private final List<SocketAddress> backends = new ArrayList<>();
        private final FastThreadLocal<VertxClient> perLoop = new FastThreadLocal<>();

        VertxClients(VertxInternal vertx, List<InetSocketAddress> addresses) {
            this.vertx = vertx;
            addresses.forEach(a -> backends.add(SocketAddress.inetSocketAddress(a.getPort(), a.getHostString())));
        }

        /** The client of {@code loop}, the current thread's. */
        VertxClient of(EventLoop loop) {
            VertxClient client = perLoop.get();
            if (client == null) {
                ContextInternal context = vertx.contextBuilder().withEventLoop(loop).build();
                client = new VertxClient(context, vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                    .setKeepAliveTimeout(60), new PoolOptions().setHttp1MaxSize(64)));
                perLoop.set(client);
            }
            return client;
        }

        SocketAddress next(VertxClient client) {
            return backends.get(client.next++ % backends.size());
        }
    }

    private static final class VertxClient {
        final ContextInternal context;
        final HttpClient http;
        int next;

        VertxClient(ContextInternal context, HttpClient http) {
            this.context = context;
            this.http = http;
        }
    }

    /**
     * The client's side, one request at a time: what both backend sides share. On the client's event loop; the
     * response's pieces arrive there too.
     */
    private abstract static class ClientSide extends ChannelInboundHandlerAdapter {
        ChannelHandlerContext ctx;
        /** Whether the client's connection stays open after the response to the current request. */
        boolean keepAlive;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        /** Takes the client's keep-alive wish from {@code request}; the backend's connection is the proxy's own. */
        void begin(HttpRequest request) {
            keepAlive = HttpUtil.isKeepAlive(request);
            request.headers().remove(HttpHeaderNames.CONNECTION);
        }

        /** Tells the client whether its connection stays open, in place of the backend's {@code Connection}. */
        void head(HttpResponse response) {
            response.headers().remove(HttpHeaderNames.CONNECTION);
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, "close");
            }
        }

        /** Writes the response's last piece, then closes the client's connection unless it is kept alive. */
        void end(LastHttpContent last) {
            ChannelFuture written = ctx.writeAndFlush(last);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        /** No backend could be reached: 502, and the connection closed. */
        void badGateway() {
            DefaultFullHttpResponse bad = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.BAD_GATEWAY);
            bad.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
            ctx.writeAndFlush(bad).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * The client's side with Vert.x's {@code HttpClient} and its pool on the backend side: a request's head and body
     * go out through {@link HttpClientRequest}, the response comes back through {@link HttpClientResponse}, each
     * piece re-wrapped as Netty's. No backpressure: for the small bodies of {@code c50} and {@code close} only.
     */
    private static final class VertxFront extends ClientSide {
        private final VertxClients clients;
        private HttpClientRequest outbound;
        /** Body pieces read before the backend request was ready; null once it is. */
        private List<HttpContent> waiting;

        VertxFront(VertxClients clients) {
            this.clients = clients;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                begin(request);
                VertxClient client = clients.of(ctx.channel().eventLoop());
                RequestOptions options = new RequestOptions().setServer(clients.next(client))
                    .setMethod(HttpMethod.valueOf(request.method().name())).setURI(request.uri());
                request.headers().forEach(h -> options.addHeader(h.getKey(), h.getValue()));
                outbound = null;
                waiting = new ArrayList<>(1);
                client.context.dispatch(options, o -> client.http.request(o).onComplete(ar -> {
                    if (ar.failed()) {
                        waiting.forEach(ReferenceCountUtil::release);
                        badGateway();
                        return;
                    }
                    HttpClientRequest out = ar.result();
                    out.response().onSuccess(this::respond).onFailure(e -> ctx.close());
                    for (HttpContent c : waiting) {
                        send(out, c);
                    }
                    waiting = null;
                    outbound = out;
                }));
            }
            if (msg instanceof HttpContent content) {
                if (outbound != null) {
                    send(outbound, content);
                } else if (waiting != null) {
                    waiting.add(content);
                } else {
                    content.release();
                }
            }
        }

        private void send(HttpClientRequest out, HttpContent content) {
            boolean last = content instanceof LastHttpContent;
            if (content.content().isReadable()) {
                BufferInternal chunk = BufferInternal.buffer(content.content());
                if (last) {
                    out.end(chunk);
                } else {
                    out.write(chunk);
                }
            } else {
                content.release();
                if (last) {
                    out.end();
                }
            }
        }

        private void respond(HttpClientResponse response) {
            DefaultHttpResponse toClient = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.statusCode()));
            response.headers().forEach(h -> toClient.headers().add(h.getKey(), h.getValue()));
            head(toClient);
            ctx.write(toClient);
            response.handler(buffer -> ctx.write(new DefaultHttpContent(((BufferInternal) buffer).getByteBuf())));
            response.endHandler(v -> end(LastHttpContent.EMPTY_LAST_CONTENT));
        }
    }

    /** Where {@link Front} gets its backend connections: the next backend's, round-robin per event loop. */
    private interface Upstreams {
        /** Hands {@code then} an open connection to the next backend, or why there is none; on {@code loop}. */
        void acquire(EventLoop loop, BiConsumer<Channel, Throwable> then);

        /** Takes back a connection whose response has ended, to be reused. */
        void release(Channel channel);
    }

    /** Idle keep-alive backend connections, per event loop and backend; the round-robin position per event loop. */
    private static final class Pools implements Upstreams {
        private final List<InetSocketAddress> backends;
        private final Bootstrap upstream;
        private final FastThreadLocal<Pool> perLoop = new FastThreadLocal<>() {
            @Override
            protected Pool initialValue() {
                return new Pool(backends.size());
            }
        };

        Pools(List<InetSocketAddress> backends, Bootstrap upstream) {
            this.backends = backends;
            this.upstream = upstream;
        }

        /** An open idle connection to the next backend, else a new one. */
        @Override
        public void acquire(EventLoop loop, BiConsumer<Channel, Throwable> then) {
            Pool pool = perLoop.get();
            int b = pool.next++ % backends.size();
            ArrayDeque<Channel> idle = pool.idle[b];
            Channel ch;
            while ((ch = idle.pollLast()) != null) {
                if (ch.isActive()) {
                    then.accept(ch, null);
                    return;
                }
            }
            ChannelFuture connect = upstream.clone(loop).connect(backends.get(b));
            connect.channel().closeFuture().addListener(f -> pool.idle[b].remove(connect.channel()));
            connect.channel().attr(Back.POOL_INDEX).set(b);
            connect.addListener(f -> then.accept(f.isSuccess() ? connect.channel() : null, f.cause()));
        }

        @Override
        public void release(Channel ch) {
            perLoop.get().idle[ch.attr(Back.POOL_INDEX).get()].addLast(ch);
        }
    }

    /**
     * Vert.x's own connection pool ({@code ConnectionPool}, the one under its {@code HttpClient}) of Netty channels:
     * one per event loop and backend, used from a context of Vert.x's on that loop, at most 64 connections each.
     */
    private static final class VertxPools implements Upstreams {
        private static final AttributeKey<Lease<Channel>> LEASE = AttributeKey.valueOf("lease");
        private final VertxInternal vertx;
        private final List<InetSocketAddress> backends;
        private final Bootstrap upstream;
        private final FastThreadLocal<LoopPools> perLoop = new FastThreadLocal<>();

        VertxPools(VertxInternal vertx, List<InetSocketAddress> backends, Bootstrap upstream) {
            this.vertx = vertx;
            this.backends = backends;
            this.upstream = upstream;
        }

        @Override
        public void acquire(EventLoop loop, BiConsumer<Channel, Throwable> then) {
            LoopPools mine = perLoop.get();
            if (mine == null) {
                mine = new LoopPools(vertx.contextBuilder().withEventLoop(loop).build());
                perLoop.set(mine);
            }
            ConnectionPool<Channel> pool = mine.pools[mine.next++ % backends.size()];
            pool.acquire(mine.context, 0, (lease, failure) -> {
                if (failure != null) {
                    then.accept(null, failure);
                    return;
                }
                Channel ch = lease.get();
                ch.attr(LEASE).set(lease);
                then.accept(ch, null);
            });
        }

        @Override
        public void release(Channel channel) {
            channel.attr(LEASE).getAndSet(null).recycle();
        }

        private final class LoopPools {
            final ContextInternal context;
            final ConnectionPool<Channel>[] pools;
            int next;

            @SuppressWarnings({"unchecked", "rawtypes"}) // an array of a generic type
            LoopPools(ContextInternal context) {
                this.context = context;
                pools = new ConnectionPool[backends.size()];
                for (int i = 0; i < pools.length; i++) {
                    pools[i] = ConnectionPool.pool(connector(backends.get(i)), new int[] {64});
                }
            }
        }

        /** Connects for the pool on its context's event loop; a connection that closes leaves the pool. */
        private PoolConnector<Channel> connector(InetSocketAddress backend) {
            return new PoolConnector<>() {
                @Override
                public Future<ConnectResult<Channel>> connect(ContextInternal context, Listener listener) {
                    Promise<ConnectResult<Channel>> done = context.promise();
                    ChannelFuture connect = upstream.clone(context.nettyEventLoop()).connect(backend);
                    connect.addListener(f -> {
                        if (f.isSuccess()) {
                            connect.channel().closeFuture().addListener(closed -> listener.onRemove());
                            done.complete(new ConnectResult<>(connect.channel(), 1, 0));
                        } else {
                            done.fail(f.cause());
                        }
                    });
                    return done.future();
                }

                @Override
                public boolean isValid(Channel channel) {
                    return channel.isActive();
                }
            };
        }
    }

    private static final class Pool {
        final ArrayDeque<Channel>[] idle;
        int next;

        @SuppressWarnings({"unchecked", "rawtypes"}) // an array of a generic type
        Pool(int backends) {
            idle = new ArrayDeque[backends];
            for (int i = 0; i < backends; i++) {
                idle[i] = new ArrayDeque<>();
            }
        }
    }

    /** The client's side: one request at a time, forwarded to the backend connection it was given. */
    private static final class Front extends ClientSide {
        private final Upstreams pools;
        private Channel backend;
        /** Request objects read before the backend connection was ready. */
        private List<Object> waiting;

        Front(Upstreams pools) {
            this.pools = pools;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                begin(request);
                request.setProtocolVersion(HttpVersion.HTTP_1_1);
                waiting = new ArrayList<>(2);
                pools.acquire(ctx.channel().eventLoop(), this::connected);
            }
            if (backend != null) {
                backend.write(msg);
            } else if (waiting != null) {
                waiting.add(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        private void connected(Channel channel, Throwable failure) {
            if (failure != null) {
                waiting.forEach(ReferenceCountUtil::release);
                waiting = null;
                badGateway();
                return;
            }
            backend = channel;
            backend.pipeline().get(Back.class).front = this;
            for (Object m : waiting) {
                backend.write(m);
            }
            waiting = null;
            backend.flush();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (backend != null) {
                backend.flush();
            }
        }

        /** A piece of the response, on the backend's (the same) event loop. */
        void respond(HttpObject msg, Back back) {
            if (msg instanceof HttpResponse response) {
                head(response);
            }
            if (!(msg instanceof LastHttpContent last)) {
                ctx.write(msg);
                if (!ctx.channel().isWritable()) {
                    back.ctx.channel().config().setAutoRead(false);
                }
                return;
            }
            Channel done = backend;
            backend = null;
            done.pipeline().get(Back.class).front = null;
            pools.release(done);
            end(last);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (backend != null && ctx.channel().isWritable()) {
                backend.config().setAutoRead(true);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (backend != null) {
                backend.close(); // half a response: never back to the pool
            }
        }
    }

    /** The backend's side: hands the response to the client whose request the connection carries. */
    private static final class Back extends ChannelInboundHandlerAdapter {
        /** Which backend's idle connections the connection goes back to. */
        static final AttributeKey<Integer> POOL_INDEX = AttributeKey.valueOf("pool");
        Front front;
        ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (front == null || !(msg instanceof HttpObject object)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            front.respond(object, this);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (front != null) {
                front.ctx.flush();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (front != null) {
                front.ctx.close(); // the backend left mid-response
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
