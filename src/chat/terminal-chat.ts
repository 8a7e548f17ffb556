import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { brazilianMobileVariants } from '../common/phone-number.js';
import type { ChatOptions } from './chat-options.js';
import { ApiRequestError, type Organization, type OxyApiClient, type SandboxOutboundMessage } from './oxy-api.client.js';
import { CHAT_TEXTS } from './terminal-chat.pt-br.js';

/** How long the instance may take to pair and connect before the chat gives up. */
const CONNECT_TIMEOUT_MS = 15_000;
const STATUS_POLL_MS = 250;
/** How often the outbound log is read while a reply is awaited. */
const REPLY_POLL_MS = 150;
/**
 * Silence after the last reply that ends a turn. Longer than the pacer's default
 * gap between two sends of an instance (OUTBOUND_MIN_GAP_MS 1 s + up to
 * OUTBOUND_JITTER_MS 0.5 s), so a reply sent as several messages is not cut in two.
 */
const QUIET_AFTER_REPLY_MS = 2_500;
/**
 * How long a line's replies are awaited while the server still holds messages
 * of the sender unanswered: the rate limit (INBOUND_RATE_LIMIT_PER_MINUTE)
 * defers a turn until its one-minute window frees, after sending only a
 * "wait a moment" notice.
 */
const DEFERRED_TURN_WAIT_MS = 90_000;
/** How often the server is asked whether the sender's messages still wait for a turn. */
const WAITING_POLL_MS = 1_000;
/** Inbound statuses of a message no turn has answered yet. */
const UNANSWERED_STATUSES = new Set(['received', 'processing']);
/** How many of the conversation's latest messages are looked at for unanswered ones. */
const LATEST_MESSAGES = 20;
/** Between turns, at the prompt, replies that come later (a person answering) are looked for this often. */
const IDLE_POLL_MS = 3_000;
/** Statuses in which no socket is trying to connect now: the chat asks for a reconnect. */
const STOPPED_STATUSES = new Set(['disconnected', 'reconnecting', 'failed', 'logged_out']);
/** The sandbox's answers when its simulated phone is not connected (the server restarted, the instance dropped). */
const NOT_CONNECTED_CODES = new Set(['sandbox_not_connected', 'sandbox_not_paired']);

/** Something the chat cannot get past on its own, said in words the user can act on. */
export class ChatError extends Error {
  override name = 'ChatError';
}

export interface ChatTerminal {
  input: NodeJS.ReadableStream;
  /** The conversation: prompts, what was sent (piped input) and the shop's replies. */
  output: NodeJS.WritableStream;
  /** Set-up steps, notes and errors. */
  diagnostics: NodeJS.WritableStream;
  /** A person typing at a terminal; false for piped input, which is echoed and ends the chat at its end. */
  interactive: boolean;
}

/**
 * A WhatsApp conversation with the shop's assistant from a terminal: each line
 * is delivered to a sandbox instance as a message from `phone`, and what the
 * instance sends back to that phone is printed as the shop's reply.
 */
export class TerminalChat {
  /** Outbound messages already shown or already there when the chat began, by message id. */
  private readonly seenMessageIds = new Set<string>();
  private instanceId = '';
  private shopName = '';
  /** The sender's spellings the replies may be addressed to (a Brazilian mobile with and without its ninth digit). */
  private senderDigits: string[] = [];
  private quitting = false;
  /** The sender's conversation, once the server has one. */
  private conversationId: string | null = null;

  constructor(
    private readonly api: OxyApiClient,
    private readonly options: ChatOptions,
    private readonly terminal: ChatTerminal,
  ) {}

  /** Runs until /sair, Ctrl-D or the end of piped input; returns the exit code. */
  async run(): Promise<number> {
    const organization = await this.api.organization();
    this.shopName = organization.name;
    const phone = this.senderPhone(organization);
    this.senderDigits = brazilianMobileVariants(phone.slice(1));
    this.instanceId = await this.openInstance();
    for (const record of await this.api.sandboxOutbound(this.instanceId)) this.seenMessageIds.add(record.messageId);

    const who = this.options.role === 'owner' ? 'the owner' : 'a customer';
    this.note(
      `Talking to "${this.shopName}" as ${who} (${phone}, "${this.options.pushName}") through the sandbox instance ` +
        `"${this.options.instanceName}". Type ${CHAT_TEXTS.quitCommand} or press Ctrl-D to quit.`,
    );
    return this.converse(phone.slice(1));
  }

  /** --phone, or for the owner the shop's first owner number; warns when the role and the number disagree. */
  private senderPhone(organization: Organization): string {
    const owners = organization.authorizedOwnerNumbers;
    if (this.options.phone === null) {
      const [first] = owners;
      if (first === undefined) {
        throw new ChatError(
          `"${organization.name}" has no owner number, so no one can talk to Aurora yet. Add yours to the shop, then run the chat again:\n` +
            `  curl -X PATCH ${this.options.baseUrl}/api/organizations/me -H "Authorization: Bearer $OXY_API_KEY" ` +
            `-H "content-type: application/json" -d '{"authorizedOwnerNumbers": ["+5511987654321"]}'\n` +
            'or pass --phone with a number already in authorizedOwnerNumbers.',
        );
      }
      return first;
    }
    const isOwner = owners.includes(this.options.phone);
    if (this.options.role === 'owner' && !isOwner) {
      this.note(`Note: ${this.options.phone} is not among the shop's owner numbers (${owners.join(', ') || 'none'}): the assistant answers it as a customer.`);
    } else if (this.options.role === 'customer' && isOwner) {
      this.note(`Note: ${this.options.phone} is one of the shop's owner numbers: the assistant answers it as the owner (Aurora).`);
    }
    return this.options.phone;
  }

  /** Finds the sandbox instance by name, or creates it, and waits until it is connected; returns its id. */
  private async openInstance(): Promise<string> {
    const name = this.options.instanceName;
    let instance = await this.api.findInstance(name);
    if (instance === null) {
      this.note(`Creating the sandbox instance "${name}"...`);
      try {
        instance = await this.api.createSandboxInstance(name);
      } catch (error) {
        // Another chat created it in the meantime.
        if (!(error instanceof ApiRequestError && error.code === 'instance_name_taken')) throw error;
        instance = await this.api.findInstance(name);
        if (instance === null) throw error;
      }
    }
    if (instance.provider !== 'sandbox') {
      throw new ChatError(
        `The instance "${name}" is a real WhatsApp (${instance.provider}) instance; the chat talks through a sandbox one. ` +
          'Pass --instance with another name and the chat creates it.',
      );
    }
    await this.waitUntilConnected(instance.id);
    return instance.id;
  }

  /** Pairs the simulated phone when the instance waits for it, asks for a reconnect when nothing is connecting. */
  private async waitUntilConnected(instanceId: string): Promise<void> {
    const deadline = Date.now() + CONNECT_TIMEOUT_MS;
    let pairRequested = false;
    let reconnectRequested = false;
    for (;;) {
      const status = await this.api.instanceStatus(instanceId);
      if (status.status === 'connected') return;
      if (STOPPED_STATUSES.has(status.status) && !reconnectRequested) {
        reconnectRequested = true;
        this.note(`The instance is ${status.status}; reconnecting it...`);
        await this.api.reconnect(instanceId);
      } else if (!pairRequested && (status.status === 'pairing' || status.qr !== null || status.pairingCode !== null)) {
        pairRequested = true;
        this.note('Pairing the simulated phone...');
        await this.api.pairSandbox(instanceId).catch((error: unknown) => {
          if (!(error instanceof ApiRequestError)) throw error;
          if (error.code === 'sandbox_not_connected') pairRequested = false; // between two sockets: try again
          else if (error.code !== 'sandbox_already_paired') throw error;
        });
      }
      if (Date.now() >= deadline) {
        const reason = status.lastDisconnectReason === null ? '' : `, last disconnect: ${status.lastDisconnectReason}`;
        throw new ChatError(
          `The sandbox instance "${this.options.instanceName}" did not connect within ${CONNECT_TIMEOUT_MS / 1000} s ` +
            `(status ${status.status}${reason}). Look at the server's log; a server started with APP_ROLE=api ` +
            'connects instances only when a worker (APP_ROLE=worker or all) runs too.',
        );
      }
      await sleep(STATUS_POLL_MS);
    }
  }

  private async converse(from: string): Promise<number> {
    const { interactive } = this.terminal;
    const lines = createInterface({
      input: this.terminal.input,
      output: interactive ? this.terminal.output : undefined,
      terminal: interactive,
      prompt: CHAT_TEXTS.prompt,
    });
    let closed = false;
    lines.on('close', () => (closed = true));
    lines.on('SIGINT', () => {
      this.quitting = true;
      lines.close();
    });
    // At a terminal, what arrives is printed above the prompt and whatever the user is typing (even during a wait).
    const show = (text: string) => (interactive && !closed ? this.printAbovePrompt(lines, text) : this.say(text));
    let busy = false;
    // A failed look between turns is not worth interrupting the user for: the next turn reports errors.
    const idlePoll = interactive
      ? setInterval(() => {
          if (!busy) this.showNewReplies(show).catch(() => undefined);
        }, IDLE_POLL_MS)
      : null;

    let exitCode = 0;
    try {
      if (interactive) lines.prompt();
      for await (const line of lines) {
        const text = line.trim();
        if (text === CHAT_TEXTS.quitCommand) break;
        if (text !== '') {
          if (!interactive) this.say(`${CHAT_TEXTS.prompt}${text}`);
          busy = true;
          const delivered = await this.deliver(from, text, show).finally(() => (busy = false));
          if (!delivered && !interactive) {
            exitCode = 1;
            break;
          }
        }
        if (this.quitting) break;
        // Keeps what was typed during the wait, and the cursor where it was.
        if (interactive) lines.prompt(true);
      }
    } finally {
      if (idlePoll !== null) clearInterval(idlePoll);
      lines.close();
    }
    return exitCode;
  }

  /** Sends one line and prints the replies; false when it failed (the error is printed). */
  private async deliver(from: string, text: string, show: (text: string) => void): Promise<boolean> {
    const message = { from, text, pushName: this.options.pushName };
    try {
      try {
        await this.api.sendInbound(this.instanceId, message);
      } catch (error) {
        // The server restarted or the instance dropped: connect it again and send once more.
        if (!(error instanceof ApiRequestError && error.code !== null && NOT_CONNECTED_CODES.has(error.code))) throw error;
        this.note('The instance is not connected; connecting it again...');
        await this.waitUntilConnected(this.instanceId);
        await this.api.sendInbound(this.instanceId, message);
      }
      await this.waitForReplies(show);
      return true;
    } catch (error) {
      if (!(error instanceof ApiRequestError || error instanceof ChatError)) throw error;
      this.note(error.message);
      return false;
    }
  }

  /**
   * Prints replies as they come: until a quiet spell after the last one, or,
   * when none comes, until the first-reply timeout (then says so; a reply that
   * comes later is shown at the next look). While the server still holds the
   * sender's messages unanswered (a turn the rate limit deferred, after its
   * "wait a moment" notice), the wait goes on, up to DEFERRED_TURN_WAIT_MS.
   */
  private async waitForReplies(show: (text: string) => void): Promise<void> {
    const started = Date.now();
    let lastReplyAt: number | null = null;
    let unanswered = true;
    let nextWaitingCheck = 0;
    while (!this.quitting) {
      await sleep(REPLY_POLL_MS);
      const now = Date.now();
      if ((await this.showNewReplies(show)) > 0) lastReplyAt = now;
      const quiet = lastReplyAt === null ? now - started >= this.options.firstReplyTimeoutMs : now - lastReplyAt >= QUIET_AFTER_REPLY_MS;
      if (!quiet) continue;
      if (now >= nextWaitingCheck) {
        unanswered = await this.senderHasUnanswered();
        nextWaitingCheck = now + WAITING_POLL_MS;
      }
      if (!unanswered || now - started >= Math.max(DEFERRED_TURN_WAIT_MS, this.options.firstReplyTimeoutMs)) break;
    }
    if (lastReplyAt === null && !this.quitting) show(CHAT_TEXTS.noReplyYet);
  }

  /** Whether a message of the sender is stored but not answered yet; true while the server has no conversation for them. */
  private async senderHasUnanswered(): Promise<boolean> {
    if (this.conversationId === null) {
      const contact = await this.api.contactByPhone(this.senderDigits);
      const conversation = contact === null ? null : await this.api.conversationOf(contact.id);
      if (conversation === null) return true;
      this.conversationId = conversation.id;
    }
    const latest = await this.api.latestMessages(this.conversationId, LATEST_MESSAGES);
    return latest.some((message) => message.direction === 'inbound' && UNANSWERED_STATUSES.has(message.status));
  }

  /** Shows what the instance sent to the sender since the last look; returns how many. */
  private async showNewReplies(print: (text: string) => void): Promise<number> {
    const records = await this.api.sandboxOutbound(this.instanceId);
    // Marked seen in the same tick as they are read, so two overlapping looks never print one reply twice.
    const fresh = records.filter((record) => !this.seenMessageIds.has(record.messageId));
    fresh.forEach((record) => this.seenMessageIds.add(record.messageId));
    const replies = fresh.filter((record) => this.senderDigits.includes(record.to));
    replies.forEach((record) => print(this.formatReply(record)));
    return replies.length;
  }

  /** `<shop>> text`, the lines of a long text aligned under the first. */
  private formatReply(record: SandboxOutboundMessage): string {
    const prefix = `${this.shopName}> `;
    const label = record.kind === 'image' ? CHAT_TEXTS.image : record.kind === 'audio' ? CHAT_TEXTS.audio : '';
    const body = [label, record.text ?? ''].filter((part) => part !== '').join(' ');
    const indent = ' '.repeat(prefix.length);
    const [first, ...rest] = body.split('\n');
    return [prefix + first, ...rest.map((line) => (line === '' ? '' : indent + line))].join('\n');
  }

  /** Printed above the prompt line, which is drawn again with the half-typed text and the cursor where they were. */
  private printAbovePrompt(lines: Interface, text: string): void {
    cursorTo(this.terminal.output, 0);
    clearLine(this.terminal.output, 0);
    this.say(text);
    lines.prompt(true);
  }

  private say(text: string): void {
    this.terminal.output.write(`${text}\n`);
  }

  private note(text: string): void {
    this.terminal.diagnostics.write(`${text}\n`);
  }
}
