#!/bin/sh
# Regenerates the TEST-ONLY certificates and keys of this directory (never use them anywhere else: the private keys
# are public). Run from this directory; needs OpenSSL 1.1.1 or later. Valid for 100 years, so the tests do not expire.
set -eu
DAYS=36500
conf() { printf '[ext]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\nsubjectAltName=%s\n' "$1" "$2"; }

# Two certificate authorities: the one the tests trust, and another one nobody trusts.
for ca in ca other-ca; do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out test-only-$ca.key
  openssl req -x509 -new -key test-only-$ca.key -days $DAYS -subj "/CN=HPRP test-only $ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out test-only-$ca.pem
done

# issue NAME CA USAGE SAN: a key (PKCS#8 PEM) and a certificate chain (leaf, then its CA) signed by CA.
issue() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out test-only-$1.key
  openssl req -new -key test-only-$1.key -subj "/CN=HPRP test-only $1" -out $1.csr
  conf "$3" "$4" > $1.ext
  openssl x509 -req -in $1.csr -CA test-only-$2.pem -CAkey test-only-$2.key -CAcreateserial -days $DAYS \
    -extfile $1.ext -extensions ext -out $1.crt
  cat $1.crt test-only-$2.pem > test-only-$1.pem
  rm -f $1.csr $1.ext $1.crt test-only-$2.srl
}
issue server ca serverAuth "DNS:localhost,IP:127.0.0.1"
issue server-renewed ca serverAuth "DNS:localhost,IP:127.0.0.1"
issue client ca clientAuth "DNS:client.test"
issue stranger other-ca clientAuth "DNS:stranger.test"
rm -f test-only-other-ca.key
