# Certificates and keys of a local cluster (sourced by up.sh after lib.sh). ECDSA P-256
# throughout: generating it is instant, and every component accepts it.

# issue NAME SUBJECT EXTENSIONS: a key and a certificate signed by the cluster CA.
issue() {
  local name=$1 subject=$2 ext=$3 pki=$dir/pki
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/$name.key"
  openssl req -new -key "$pki/$name.key" -subj "$subject" -out "$pki/$name.csr"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 365 -extfile <(printf '%s\n' "$ext") -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr"
}

make_pki() {
  local pki=$dir/pki
  mkdir -p "$pki"
  chmod 700 "$pki"
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/ca.key"
  openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=waba-local-ca" -days 3650 -out "$pki/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  # The first address of the service range (10.96.0.1) is the in-cluster `kubernetes` Service.
  issue apiserver "/CN=kube-apiserver" "$(printf '%s\n' \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
    "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local")"
  issue admin "/O=system:masters/CN=waba-admin" "$(printf '%s\n' \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=clientAuth")"
  # Service-account tokens: the API server signs with sa.key and verifies with sa.pub.
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/sa.key"
  openssl ec -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

# write_kubeconfig PORT: the admin kubeconfig, certificates inlined so the file stands alone.
write_kubeconfig() {
  local port=$1 pki=$dir/pki b64="base64 -w0"
  cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: waba-local
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority-data: $($b64 <"$pki/ca.crt")
users:
- name: waba-admin
  user:
    client-certificate-data: $($b64 <"$pki/admin.crt")
    client-key-data: $($b64 <"$pki/admin.key")
contexts:
- name: waba-local
  context: {cluster: waba-local, user: waba-admin}
current-context: waba-local
EOF
  chmod 600 "$dir/kubeconfig"
}
