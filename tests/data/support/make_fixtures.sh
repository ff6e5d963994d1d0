#!/bin/sh
# Writes the independent fixtures of tests/support_lib with the openssl command line (and python3
# for base64url and JSON only), so the support library is not checked against its own signer.
# Run from this folder: sh make_fixtures.sh. Output is committed; keys are test keys only.
set -eu
umask 022
b64url() { python3 -c 'import base64,sys; sys.stdout.write(base64.urlsafe_b64encode(sys.stdin.buffer.read()).decode().rstrip("="))'; }

# Keys.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.key.pem  
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.key.pem  
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.key.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.key.pem

# JWKs of the public keys (kid = file stem), from openssl's own text dump.
python3 - <<'PY'
import base64, json, re, subprocess
def u(b): return base64.urlsafe_b64encode(b).decode().rstrip("=")
def text(name): return subprocess.run(["openssl", "pkey", "-in", name + ".key.pem", "-noout", "-text_pub"], capture_output=True, text=True, check=True).stdout
def block(t, label):
    m = re.search(label + r":\s*\n((?:\s+[0-9a-f:]+\n)+)", t)
    return bytes.fromhex(re.sub(r"[\s:]", "", m.group(1)))
keys = []
for name in ["rsa2048", "rsa1024"]:
    t = text(name)
    n = block(t, "Modulus").lstrip(b"\0")
    e = int(re.search(r"Exponent: (\d+)", t).group(1))
    keys.append({"kty": "RSA", "kid": name, "n": u(n), "e": u(e.to_bytes((e.bit_length() + 7) // 8, "big"))})
for name, crv, size in [("p256", "P-256", 32), ("p384", "P-384", 48)]:
    point = block(text(name), "pub")
    assert point[0] == 4 and len(point) == 1 + 2 * size
    keys.append({"kty": "EC", "kid": name, "crv": crv, "x": u(point[1:1 + size]), "y": u(point[1 + size:])})
json.dump({"keys": keys}, open("jwks.json", "w"), indent=1)
PY

# JWS: header.payload signed with openssl dgst; ES signatures converted from DER to raw r||s.
payload='{"iss":"https://issuer.example","exp":2000000000,"nbf":1600000000,"iat":1600000000,"x-claim":"openssl"}'
sign() { # alg kid key digest [sigopts...]
    alg=$1 kid=$2 key=$3 digest=$4; shift 4
    input="$(printf '{"alg":"%s","kid":"%s","typ":"JWT"}' "$alg" "$kid" | b64url).$(printf '%s' "$payload" | b64url)"
    printf '%s' "$input" | openssl dgst "-$digest" -sign "$key" "$@" -out sig.bin
    echo "$input"
}
raw_of_der() { # size: DER Ecdsa-Sig-Value in sig.bin -> raw r||s on stdout
    python3 -c '
import sys
d = open("sig.bin", "rb").read(); size = int(sys.argv[1])
assert d[0] == 0x30
i = 2 if d[1] < 0x80 else 3
out = b""
for _ in range(2):
    assert d[i] == 2; n = d[i + 1]; v = d[i + 2:i + 2 + n].lstrip(b"\0"); i += 2 + n
    out += v.rjust(size, b"\0")
sys.stdout.buffer.write(out)' "$1"
}
input=$(sign RS256 rsa2048 rsa2048.key.pem sha256)
echo "$input.$(b64url < sig.bin)" > rs256.jws
input=$(sign PS256 rsa2048 rsa2048.key.pem sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256)
echo "$input.$(b64url < sig.bin)" > ps256.jws
input=$(sign ES256 p256 p256.key.pem sha256)
echo "$input.$(raw_of_der 32 | b64url)" > es256.jws
echo "$input.$(b64url < sig.bin)" > es256_der_signature.jws
input=$(sign ES384 p384 p384.key.pem sha384)
echo "$input.$(raw_of_der 48 | b64url)" > es384.jws
input=$(sign RS256 rsa1024 rsa1024.key.pem sha256)
echo "$input.$(b64url < sig.bin)" > rs256_rsa1024.jws
rm -f sig.bin

# A chain: RSA-3072 root (PKCS#1 SHA-256) -> P-384 intermediate (signed RSASSA-PSS/SHA-384) ->
# P-256 leaf (ECDSA/SHA-384); a CRL by the root revoking the intermediate, and an empty one.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out root.key.pem  
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out intermediate.key.pem
cat > ext.cnf <<'CNF'
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical,CA:FALSE
1.3.6.1.4.1.99999.1 = ASN1:SEQUENCE:vendor
[vendor]
id = OID:1.2.840.113549.1.1.11
version = INTEGER:42
digest = FORMAT:HEX,OCTETSTRING:00ff10
name = IA5STRING:fixture
label = UTF8String:leaf label
CNF
mkdir -p ca && : > ca/index.txt && echo 01 > ca/crlnumber
cat > ca.cnf <<'CNF'
[ca]
default_ca = fixture
[fixture]
database = ca/index.txt
new_certs_dir = ca
serial = ca/serial
crlnumber = ca/crlnumber
default_md = sha256
default_crl_days = 3650
policy = any
unique_subject = no
[any]
organizationName = supplied
commonName = supplied
CNF
# ca: -selfsign for the root; -startdate/-enddate since x509 and req cannot backdate on OpenSSL 3.0.
issue() { # csr out ca_cert ca_key serial extension start end [sigopts...]
    csr=$1 out=$2 cacert=$3 cakey=$4 serial=$5 ext=$6 start=$7 end=$8; shift 8
    printf '%s\n' "$serial" > ca/serial
    if [ "$cacert" = self ]; then set -- -selfsign "$@"; else set -- -cert "$cacert" "$@"; fi
    openssl ca -batch -config ca.cnf -notext -in "$csr" -out "$out" -keyfile "$cakey" \
        -extfile ext.cnf -extensions "$ext" -startdate "$start" -enddate "$end" "$@"  
}
openssl req -new -key root.key.pem -subj "/O=ccattest fixtures/CN=Fixture Root" -out root.csr
issue root.csr root.pem self root.key.pem 01 ca 20200101000000Z 20400101000000Z -md sha256
openssl req -new -key intermediate.key.pem -subj "/O=ccattest fixtures/CN=Fixture Intermediate" -out intermediate.csr
issue intermediate.csr intermediate.pem root.pem root.key.pem 02 ca 20200101000000Z 20350101000000Z \
    -md sha384 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48
openssl req -new -key p256.key.pem -subj "/O=ccattest fixtures/CN=Fixture Leaf" -out leaf.csr
issue leaf.csr leaf.pem intermediate.pem intermediate.key.pem 03 leaf 20210101000000Z 20300101000000Z -md sha384
openssl ca -config ca.cnf -gencrl -keyfile root.key.pem -cert root.pem -crl_lastupdate 20240101000000Z \
    -crl_nextupdate 20340101000000Z -out root_empty.crl.pem  
openssl ca -config ca.cnf -revoke intermediate.pem -keyfile root.key.pem -cert root.pem  
openssl ca -config ca.cnf -gencrl -keyfile root.key.pem -cert root.pem -crl_lastupdate 20240101000000Z \
    -crl_nextupdate 20340101000000Z -out root_revokes_intermediate.crl.pem  
rm -rf ca ca.cnf ext.cnf ./*.csr root.key.pem intermediate.key.pem

# A DER structure for the walker: SEQUENCE { OID, INTEGER, OCTET STRING, IA5String, UTF8String }.
printf 'asn1 = SEQUENCE:vendor\n[vendor]\nid = OID:1.2.840.113549.1.1.11\nversion = INTEGER:42\ndigest = FORMAT:HEX,OCTETSTRING:00ff10\nname = IA5STRING:fixture\nlabel = FORMAT:UTF8,UTF8String:caf\303\251\n' > der.cnf
openssl asn1parse -genconf der.cnf -out vendor.der >/dev/null
rm -f der.cnf
