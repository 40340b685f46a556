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
USER 10001:10001
# The proxy, and the admin endpoint when --admin-port 9090 is given.
EXPOSE 8080 9090
# The heap follows the container's memory limit (40 %: Netty's direct buffers may take as much again); a small young
# generation keeps the resident size flat under connection churn; the JVM exits on OutOfMemoryError so it is
# restarted. Nothing is written outside /tmp (Netty extracts its native transport library there), so the root file
# system may be read-only when /tmp is a volume. A manifest may set JAVA_TOOL_OPTIONS to size it otherwise.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=40 -Xmn32m -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp"
ENTRYPOINT ["java","-jar","/app/hprp.jar"]
CMD ["--demo"]
