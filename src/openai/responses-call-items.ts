// The tool call items of a Responses event stream (responses-stream.ts), function and custom, out of
// chat's tool_calls deltas. OpenAI streams output items one at a time — an item's added, its deltas,
// its done events, then the next item's added — and clients rely on it (the SDK adds an item to its
// snapshot at each output_item.added, in the order they come). Chat's deltas may not come so: a
// provider may interleave parallel calls by `index`, and some give parallel calls one index or none,
// told apart by their ids (tool-call-track.ts).
//
// The open call's fragments stream as they come. A call that begins while one is open is held, its
// fragments gathered, and written once the one before is done: added, then what it gathered as one
// delta, then live. A function call is done once a later call has begun and its arguments are a
// whole JSON value (at once for calls that come one after another, as OpenAI sends them), and
// otherwise when another item starts or the answer ends — another item (text, reasoning, an image)
// waits while the open function call is not whole (`unfinished`), so only the end (or a failure)
// finishes one whose arguments are cut. A custom tool's input is free text with no end of its own:
// the calls after it wait for another item or the end. A fragment of a call already done (its
// arguments went on after they were whole, or a custom tool's input after another item) has no
// event it could go in without an item's event after its done: it goes into the call's item that
// the closing response carries.
import { isRecord } from '../json-record';
import { customToolCallItem, functionCallItem, type ResponseIds } from './responses-answer';
import { isWholeJson, providerId, ToolCallTrack } from './tool-call-track';

type Json = Record<string, unknown>;

/** A call: what it has said so far — a function's arguments, or a custom tool's free-text input. */
interface Call {
  kind: 'function' | 'custom';
  id: string;
  callId: string;
  name: string;
  args: string;
  /** Its place in the response's output, once its item was added. */
  index?: number;
  /** The status its item was done with. */
  status?: string;
}

/** What the call items need of the stream they are in. */
export interface CallSink {
  emit(type: string, fields: Json): void;
  /** The response's output items so far: a new item takes the next place. */
  output: Json[];
  /** Ends the reasoning and the message open, as a call's item starts after them. */
  closeOthers(): void;
}

export class CallItems {
  /** Which call each fragment continues; a new track once another item came between. */
  private track = new ToolCallTrack<Call>();
  /** The calls not yet done, in the order they began: the first is the open one. */
  private waiting: Call[] = [];
  private count = 0;

  constructor(
    private readonly sink: CallSink,
    private readonly ids: Pick<ResponseIds, 'call' | 'customCall'>,
    /** Which namespace each namespaced tool's name is in (responses-namespaces.ts). */
    private readonly namespaces: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** The output item of a call, function or custom. */
  private item({ kind, id, callId, name, args }: Call, status: string): Json {
    const namespace = this.namespaces.get(name);
    return kind === 'custom'
      ? customToolCallItem(id, callId, name, args, status, namespace)
      : functionCallItem(id, callId, name, args, status, namespace);
  }

  /** How many calls the answer began. */
  get begun(): number {
    return this.count;
  }

  /** One entry of a chat delta's `tool_calls`. */
  add(raw: Json): void {
    // A custom tool's call says so by its type and `custom` field (its name and input fragments).
    const custom = isRecord(raw.custom) ? raw.custom : undefined;
    const said = custom ?? (isRecord(raw.function) ? raw.function : {});
    let call = this.track.find(raw);
    if (!call) {
      const kind = raw.type === 'custom' || custom ? 'custom' : 'function';
      const number = this.count++;
      const id = kind === 'custom' ? this.ids.customCall(number) : this.ids.call(number);
      call = { kind, id, callId: providerId(raw) ?? id, name: String(said.name ?? ''), args: '' };
      this.track.begin(raw, call);
      this.waiting.push(call);
      if (this.waiting.length === 1) {
        this.sink.closeOthers();
        this.start(call);
      }
    }
    // The done event and item carry the name: taken from a later delta if the first had none.
    if (call.name === '' && typeof said.name === 'string') call.name = said.name;
    const fragment = call.kind === 'custom' ? custom?.input : said.arguments;
    if (typeof fragment === 'string' && fragment !== '') {
      call.args += fragment;
      if (call === this.waiting[0]) this.delta(call, fragment);
    }
    if (call.status !== undefined && call.index !== undefined)
      this.sink.output[call.index] = this.item(call, call.status);
    this.advance();
  }

  /**
   * Whether the open call is a function whose arguments are not yet a whole JSON value: its item
   * done now could not take the rest, so another item waits (responses-stream.ts) until it is whole
   * or the end. A custom tool's input has no end of its own to wait for.
   */
  unfinished(): boolean {
    const [open] = this.waiting;
    return open !== undefined && open.kind === 'function' && !isWholeJson(open.args);
  }

  /** Every call done, those held added first: before another item starts, and at the end. */
  close(status: string): void {
    for (const call of this.waiting) this.finish(call, status);
    this.waiting = [];
    this.track = new ToolCallTrack();
  }

  /** The open call done and the next one started, for as long as the open one is whole. */
  private advance(): void {
    for (let [open, next] = this.waiting; open && next; [open, next] = this.waiting) {
      if (open.kind === 'custom' || !isWholeJson(open.args)) return;
      this.finish(open, 'completed');
      this.waiting.shift();
      this.start(next);
    }
  }

  /** The call's item added (its place: the next in the output), with what it gathered while held. */
  private start(call: Call): number {
    const { output } = this.sink;
    const index = output.length;
    call.index = index;
    output.push(this.item({ ...call, args: '' }, 'in_progress'));
    this.sink.emit('response.output_item.added', { output_index: index, item: output[index] });
    if (call.args !== '') this.delta(call, call.args);
    return index;
  }

  private delta(call: Call, fragment: string): void {
    const at = { item_id: call.id, output_index: call.index, delta: fragment };
    if (call.kind === 'custom') this.sink.emit('response.custom_tool_call_input.delta', at);
    else this.sink.emit('response.function_call_arguments.delta', at);
  }

  /** The call's done events (its item added first if it was held). */
  private finish(call: Call, status: string): void {
    const index = call.index ?? this.start(call);
    const { id, name, args } = call;
    const { output } = this.sink;
    const at = { item_id: id, output_index: index };
    if (call.kind === 'custom')
      this.sink.emit('response.custom_tool_call_input.done', { ...at, input: args });
    else this.sink.emit('response.function_call_arguments.done', { ...at, name, arguments: args });
    call.status = status;
    output[index] = this.item(call, status);
    this.sink.emit('response.output_item.done', { output_index: index, item: output[index] });
  }
}
