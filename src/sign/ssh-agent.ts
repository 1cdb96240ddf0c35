/**
 * A minimal ssh-agent client (draft-miller-ssh-agent): list identities (11 -> 12) and sign
 * (13 -> 14) over the Unix socket named by SSH_AUTH_SOCK. Each message is uint32 length + type
 * byte + body; replies are bounds-checked and capped in size, and the agent's answer 5
 * (SSH_AGENT_FAILURE) becomes an error saying the agent refused.
 */
import { connect, type Socket } from "node:net";
import { SshReader, SshWireError, sshString, u32 } from "./ssh-wire.js";

const REQUEST_IDENTITIES = 11;
const IDENTITIES_ANSWER = 12;
const SIGN_REQUEST = 13;
const SIGN_RESPONSE = 14;
const FAILURE = 5;
const MAX_REPLY = 256 * 1024;

export class AgentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AgentError";
  }
}

export interface AgentIdentity {
  blob: Buffer;
  comment: string;
}

export class SshAgent {
  private buf = Buffer.alloc(0);
  private waiting: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  private failed: Error | null = null;

  private constructor(private readonly sock: Socket) {
    sock.on("data", (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.pump();
    });
    sock.on("error", (e) => this.fail(new AgentError(`the agent connection failed (${(e as NodeJS.ErrnoException).code ?? e.message})`)));
    sock.on("close", () => this.fail(new AgentError("the agent closed the connection")));
  }

  static open(path: string): Promise<SshAgent> {
    return new Promise((resolve, reject) => {
      const sock = connect(path);
      sock.once("connect", () => resolve(new SshAgent(sock)));
      sock.once("error", (e) => reject(new AgentError(`cannot connect to the agent at ${path} (${(e as NodeJS.ErrnoException).code ?? e.message})`)));
    });
  }

  private fail(e: Error): void {
    this.failed ??= e;
    const w = this.waiting;
    this.waiting = null;
    w?.reject(this.failed);
  }

  private pump(): void {
    if (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len === 0 || len > MAX_REPLY) return this.fail(new AgentError(`the agent sent a reply of ${len} bytes`));
      if (this.buf.length < 4 + len) return;
      const msg = this.buf.subarray(4, 4 + len);
      this.buf = this.buf.subarray(4 + len);
      const w = this.waiting;
      this.waiting = null;
      if (w) w.resolve(Buffer.from(msg));
      else this.fail(new AgentError("the agent sent a reply nobody asked for"));
    }
  }

  private request(type: number, body: Buffer): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.sock.write(Buffer.concat([u32(body.length + 1), Buffer.from([type]), body]));
    });
  }

  async identities(): Promise<AgentIdentity[]> {
    const reply = await this.request(REQUEST_IDENTITIES, Buffer.alloc(0));
    try {
      const r = new SshReader(reply);
      const t = r.byte("reply type");
      if (t === FAILURE) throw new AgentError("the agent refused to list its keys");
      if (t !== IDENTITIES_ANSWER) throw new AgentError(`the agent answered ${t} to a key listing`);
      const n = r.uint32("number of keys");
      if (n > 1024) throw new AgentError(`the agent claims ${n} keys`);
      const out: AgentIdentity[] = [];
      for (let i = 0; i < n; i++) out.push({ blob: Buffer.from(r.string("key blob")), comment: r.string("key comment").toString("utf8") });
      r.end("the key listing");
      return out;
    } catch (e) {
      if (e instanceof SshWireError) throw new AgentError(`the agent's key listing is malformed (${e.message})`);
      throw e;
    }
  }

  /** The SSH signature blob (`string alg, string sig`) of `data` by the key `blob`. */
  async sign(blob: Buffer, data: Buffer): Promise<Buffer> {
    const reply = await this.request(SIGN_REQUEST, Buffer.concat([sshString(blob), sshString(data), u32(0)]));
    try {
      const r = new SshReader(reply);
      const t = r.byte("reply type");
      if (t === FAILURE) throw new AgentError("the agent refused to sign (is the key still loaded? a confirmation declined?)");
      if (t !== SIGN_RESPONSE) throw new AgentError(`the agent answered ${t} to a sign request`);
      const sig = Buffer.from(r.string("signature"));
      r.end("the sign response");
      return sig;
    } catch (e) {
      if (e instanceof SshWireError) throw new AgentError(`the agent's signature is malformed (${e.message})`);
      throw e;
    }
  }

  close(): void {
    this.failed ??= new AgentError("closed");
    this.sock.destroy();
  }
}
