import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Certificates for a throw-away kube-apiserver, made the way controller-runtime's envtest makes them
 * (ECDSA P-256, short-lived): one CA that signs the serving certificate (SANs localhost and 127.0.0.1)
 * and the admin client certificate (O=system:masters), plus a service-account signing key pair.
 * Node's crypto cannot issue X.509 certificates, so openssl (present on every machine kind) does that.
 */
export interface EnvtestCerts {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  saPublicKey: string;
  saPrivateKey: string;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const stderr = err instanceof Error && "stderr" in err ? String(err.stderr) : "";
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(err)}`, { cause: err });
  }
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"];

/** Issues a leaf certificate signed by ca.crt/ca.key in `dir`. */
function issueLeaf(dir: string, name: string, subject: string, extensions: string[]): void {
  const ext = extensions.flatMap((e) => ["-addext", e]);
  // prettier-ignore
  openssl(dir, [
    "req", "-x509", ...EC, "-CA", "ca.crt", "-CAkey", "ca.key",
    "-subj", subject, "-keyout", `${name}.key`, "-out", `${name}.crt`, ...ext,
  ]);
}

/** Writes every file into `dir` and returns their paths. */
export function makeEnvtestCerts(dir: string): EnvtestCerts {
  // prettier-ignore
  openssl(dir, [
    "req", "-x509", ...EC, "-subj", "/O=envtest/CN=envtest-ca", "-keyout", "ca.key", "-out", "ca.crt",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
  ]);
  issueLeaf(dir, "apiserver", "/CN=localhost", [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    "extendedKeyUsage=serverAuth",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ]);
  issueLeaf(dir, "admin", "/O=system:masters/CN=admin", [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    "extendedKeyUsage=clientAuth",
  ]);
  const sa = generateKeyPairSync("ec", { namedCurve: "P-256" });
  writeFileSync(join(dir, "sa.key"), sa.privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(join(dir, "sa.pub"), sa.publicKey.export({ type: "spki", format: "pem" }));
  const at = (file: string) => join(dir, file);
  return {
    caCert: at("ca.crt"),
    caKey: at("ca.key"),
    serverCert: at("apiserver.crt"),
    serverKey: at("apiserver.key"),
    adminCert: at("admin.crt"),
    adminKey: at("admin.key"),
    saPublicKey: at("sa.pub"),
    saPrivateKey: at("sa.key"),
  };
}
