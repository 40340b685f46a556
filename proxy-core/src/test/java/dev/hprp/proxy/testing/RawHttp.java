package dev.hprp.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A blocking HTTP client that writes bytes exactly as given (malformed, split, smuggling) and reads the answers
 * as text, for tests that a well-behaved client library would not let through. Every read is bounded by a socket
 * timeout. Not thread-safe; close it.
 */
public final class RawHttp implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  public RawHttp(int port) {
    this(InetAddress.getLoopbackAddress(), port);
  }

  public RawHttp(InetAddress address, int port) {
    try {
      socket = new Socket(address, port);
      socket.setSoTimeout(10_000);
      socket.setTcpNoDelay(true);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends {@code text} (ISO-8859-1), flushed. */
  public RawHttp send(String text) {
    try {
      out.write(text.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads one response: head, and a body framed by {@code Content-Length}, chunked encoding or the close; returns
   * it as text, head and body. Fails on a timeout or when the connection closes before a head.
   */
  public String readResponse() {
    try {
      String head = readHead();
      String lower = head.toLowerCase();
      int cl = lower.indexOf("\r\ncontent-length:");
      String body;
      if (head.startsWith("HTTP/1.1 1")) {
        return head; // interim response: no body
      }
      if (cl >= 0) {
        int end = lower.indexOf("\r\n", cl + 2);
        int length = Integer.parseInt(head.substring(cl + 17, end).trim());
        body = new String(readExactly(length), StandardCharsets.ISO_8859_1);
      } else if (lower.contains("\r\ntransfer-encoding: chunked")) {
        StringBuilder chunks = new StringBuilder();
        while (true) {
          String size = readLine();
          int n = Integer.parseInt(size.split(";")[0].trim(), 16);
          if (n == 0) {
            while (!readLine().isEmpty()) {
              // trailers
            }
            break;
          }
          chunks.append(new String(readExactly(n), StandardCharsets.ISO_8859_1));
          readLine();
        }
        body = chunks.toString();
      } else {
        body = readToEnd();
      }
      return head + body;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the server closed the connection: a read returns end of stream (within the socket timeout). */
  public boolean closedByPeer() {
    try {
      return in.read() < 0;
    } catch (IOException e) {
      return true; // a reset is a close too
    }
  }

  private String readHead() throws IOException {
    StringBuilder head = new StringBuilder();
    String line;
    while (!(line = readLine()).isEmpty()) {
      head.append(line).append("\r\n");
    }
    if (head.length() == 0) {
      throw new IOException("no response head");
    }
    return head.append("\r\n").toString();
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        break;
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    if (b < 0 && line.size() == 0) {
      throw new IOException("connection closed");
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  private byte[] readExactly(int n) throws IOException {
    byte[] bytes = in.readNBytes(n);
    if (bytes.length < n) {
      throw new IOException("closed after " + bytes.length + " of " + n + " bytes");
    }
    return bytes;
  }

  private String readToEnd() throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
