import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestCa {
  /** The root certificate (PEM file) that signed `serverCert`. */
  caFile: string;
  caPem: string;
  /** A certificate for 127.0.0.1 (subjectAltName IP), signed by the CA. */
  serverCert: string;
  serverKey: string;
  /** Another CA's root certificate: the wrong one to trust. */
  otherCaFile: string;
  remove(): Promise<void>;
}

/** A throwaway CA made with openssl, as Supabase's own root CA is to Node: not in its trust store. */
export async function createTestCa(): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), "s3ssions-ca-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run("openssl", args);
  const selfSigned = (name: string) =>
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
      "-keyout",
      file(`${name}.key`),
      "-out",
      file(`${name}.crt`),
    );
  await Promise.all([selfSigned("test-root-ca"), selfSigned("other-root-ca")]);
  await openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=127.0.0.1",
    "-keyout",
    file("server.key"),
    "-out",
    file("server.csr"),
  );
  await writeFile(file("server.ext"), "subjectAltName=IP:127.0.0.1\n");
  await openssl(
    "x509",
    "-req",
    "-in",
    file("server.csr"),
    "-CA",
    file("test-root-ca.crt"),
    "-CAkey",
    file("test-root-ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    file("server.ext"),
    "-out",
    file("server.crt"),
  );
  return {
    caFile: file("test-root-ca.crt"),
    caPem: await readFile(file("test-root-ca.crt"), "utf8"),
    serverCert: file("server.crt"),
    serverKey: file("server.key"),
    otherCaFile: file("other-root-ca.crt"),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
