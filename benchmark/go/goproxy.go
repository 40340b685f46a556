// The seed's winning design, for benchmark/run.sh's go-http target: Go's net/http/httputil.ReverseProxy,
// round-robin per request over the backends, upstream keep-alive connections reused (64 idle per backend, as
// HPRP's default pool), no logging. Standard library only; run.sh builds it when `go` is installed.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address to listen on")
	backends := flag.String("backends", "", "host:port,... of the backends")
	flag.Parse()
	var targets []*url.URL
	for _, b := range strings.Split(*backends, ",") {
		u, err := url.Parse("http://" + strings.TrimSpace(b))
		if err != nil {
			log.Fatalf("bad backend %q: %v", b, err)
		}
		targets = append(targets, u)
	}
	if len(targets) == 0 || *backends == "" {
		log.Fatal("-backends is required")
	}
	var next uint64
	proxy := &httputil.ReverseProxy{
		Director: func(r *http.Request) {
			t := targets[atomic.AddUint64(&next, 1)%uint64(len(targets))]
			r.URL.Scheme = t.Scheme
			r.URL.Host = t.Host
		},
		Transport: &http.Transport{
			MaxIdleConns:        1024,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     60 * time.Second,
			DisableCompression:  true,
		},
		ErrorLog: log.New(io.Discard, "", 0),
	}
	server := &http.Server{Addr: *listen, Handler: proxy, ErrorLog: log.New(io.Discard, "", 0)}
	log.Fatal(server.ListenAndServe())
}
