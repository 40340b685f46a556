# Build stage: the same command as the README's, on Maven with JDK 17.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -q -B package -DskipTests

# Runtime stage: the fat jar on a JRE 17, run as deploy/kubernetes/hprp-deployment.yaml runs it.
FROM eclipse-temurin:17-jre
# A fixed numeric user and group, so that Kubernetes' runAsNonRoot can check the image without a name lookup.
RUN groupadd --system --gid 10001 hprp \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin hprp
COPY --from=build /src/proxy-launcher/target/hprp.jar /app/hprp.jar
COPY bin/hprp /app/bin/hprp
USER 10001:10001
# The proxy, and the admin endpoint when --admin-port 9090 is given.
EXPOSE 8080 9090
# bin/hprp holds the JVM options (collector, heap as a share of the container's memory limit, exit on
# OutOfMemoryError) for every way HPRP is started. Nothing is written outside /tmp (Netty extracts its native
# transport library there), so the root file system may be read-only when /tmp is a volume.
ENV JAVA_TOOL_OPTIONS="-Djava.io.tmpdir=/tmp"
ENTRYPOINT ["/app/bin/hprp"]
CMD ["--demo"]
