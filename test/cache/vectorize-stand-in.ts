// An in-memory stand-in for a Vectorize index binding (the `Vectorize` V2 API), faithful in what
// the semantic cache relies on: cosine scores, topK limits, metadata filters that only see
// properties with a metadata index, returnMetadata levels, namespaces, fixed dimensions, and
// asynchronous mutations that become queryable only later (call `flush()` to apply them).
type Metadata = Record<string, VectorizeVectorMetadata>;
interface Stored {
  id: string;
  values: number[];
  namespace?: string;
  metadata?: Metadata;
}

export class VectorizeStandIn {
  private readonly vectors = new Map<string, Stored>();
  private pending: (() => void)[] = [];
  private mutations = 0;
  readonly queries: VectorizeQueryOptions[] = [];

  constructor(
    readonly dimensions: number,
    /** Properties with a metadata index; filters on any other property match nothing. */
    readonly metadataIndexes: readonly string[] = [],
  ) {}

  /** Applies every mutation written so far, as Vectorize eventually does. */
  flush(): void {
    for (const apply of this.pending.splice(0)) apply();
  }

  async describe(): Promise<VectorizeIndexInfo> {
    return {
      vectorCount: this.vectors.size,
      dimensions: this.dimensions,
      processedUpToDatetime: Date.now(),
      processedUpToMutation: this.mutations,
    };
  }

  async query(
    vector: VectorFloatArray | number[],
    options: VectorizeQueryOptions = {},
  ): Promise<VectorizeMatches> {
    this.queries.push(options);
    const values = [...vector];
    if (values.length !== this.dimensions)
      throw new Error(
        `VECTOR_QUERY_ERROR: query vector has ${values.length} dimensions, index has ${this.dimensions}`,
      );
    const topK = options.topK ?? 5;
    const level = metadataLevel(options.returnMetadata);
    const limit = options.returnValues || level === 'all' ? 20 : 100;
    if (topK < 1 || topK > limit) throw new Error(`VECTOR_QUERY_ERROR: topK must be between 1 and ${limit}`);
    const matches = [...this.vectors.values()]
      .filter((v) => (options.namespace === undefined ? true : v.namespace === options.namespace))
      .filter((v) => this.passes(v.metadata ?? {}, options.filter))
      .map((v) => ({ v, score: cosine(values, v.values) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, topK)
      .map(({ v, score }) => {
        const match: VectorizeMatch = { id: v.id, score };
        if (v.namespace !== undefined) match.namespace = v.namespace;
        if (options.returnValues) match.values = [...v.values];
        if (level === 'all' && v.metadata) match.metadata = { ...v.metadata };
        if (level === 'indexed' && v.metadata) match.metadata = this.indexedOnly(v.metadata);
        return match;
      });
    return { matches, count: matches.length };
  }

  async insert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    for (const v of vectors)
      if (this.vectors.has(v.id)) throw new Error(`VECTOR_INSERT_ERROR: id ${v.id} exists`);
    return this.mutate(vectors);
  }

  async upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    return this.mutate(vectors);
  }

  async deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation> {
    this.pending.push(() => {
      for (const id of ids) this.vectors.delete(id);
    });
    return { mutationId: String(++this.mutations) };
  }

  async getByIds(ids: string[]): Promise<VectorizeVector[]> {
    return ids.flatMap((id) => {
      const v = this.vectors.get(id);
      return v ? [{ ...v, values: [...v.values] }] : [];
    });
  }

  private mutate(vectors: VectorizeVector[]): VectorizeAsyncMutation {
    const copies = vectors.map((v) => {
      if (v.id.length === 0 || new TextEncoder().encode(v.id).length > 64)
        throw new Error('VECTOR_UPSERT_ERROR: ids are 1 to 64 bytes');
      const values = [...v.values];
      if (values.length !== this.dimensions)
        throw new Error(
          `VECTOR_UPSERT_ERROR: vector has ${values.length} dimensions, index has ${this.dimensions}`,
        );
      const copy: Stored = { id: v.id, values };
      if (v.namespace !== undefined) copy.namespace = v.namespace;
      if (v.metadata !== undefined) copy.metadata = { ...v.metadata };
      return copy;
    });
    this.pending.push(() => {
      for (const copy of copies) this.vectors.set(copy.id, copy);
    });
    return { mutationId: String(++this.mutations) };
  }

  private indexedOnly(metadata: Metadata): Metadata {
    const out: Metadata = {};
    for (const name of this.metadataIndexes) if (name in metadata) out[name] = metadata[name]!;
    return out;
  }

  private passes(metadata: Metadata, filter: VectorizeVectorMetadataFilter | undefined): boolean {
    if (!filter) return true;
    return Object.entries(filter).every(([field, condition]) => {
      if (!this.metadataIndexes.includes(field)) return false;
      const value = metadata[field];
      if (condition === null || typeof condition !== 'object') return value === condition;
      return Object.entries(condition).every(([op, operand]) => compare(op, value, operand));
    });
  }
}

function compare(op: string, value: unknown, operand: unknown): boolean {
  switch (op) {
    case '$eq':
      return value === operand;
    case '$ne':
      return value !== operand;
    case '$in':
      return Array.isArray(operand) && operand.includes(value);
    case '$nin':
      return Array.isArray(operand) && !operand.includes(value);
    case '$lt':
      return value !== undefined && (value as number) < (operand as number);
    case '$lte':
      return value !== undefined && (value as number) <= (operand as number);
    case '$gt':
      return value !== undefined && (value as number) > (operand as number);
    case '$gte':
      return value !== undefined && (value as number) >= (operand as number);
    default:
      throw new Error(`VECTOR_QUERY_ERROR: unsupported filter operator ${op}`);
  }
}

function metadataLevel(option: VectorizeQueryOptions['returnMetadata']): 'all' | 'indexed' | 'none' {
  if (option === true) return 'all';
  if (option === false || option === undefined) return 'none';
  return option;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / (Math.sqrt(na) * Math.sqrt(nb) || 1);
}
