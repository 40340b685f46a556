# Build stage: the same command as the README's, on Maven with JDK 17.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -q -B package -DskipTests

# Runtime stage: the fat jar on a JRE 17, as a non-root user.
FROM eclipse-temurin:17-jre
RUN groupadd --system hprp && useradd --system --gid hprp --no-create-home --shell /usr/sbin/nologin hprp
COPY --from=build /src/proxy-launcher/target/hprp.jar /app/hprp.jar
USER hprp
EXPOSE 8080
ENTRYPOINT ["java","-Xmn32m","-jar","/app/hprp.jar"]
CMD ["--demo"]
