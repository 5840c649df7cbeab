// ROSE invoke IDs for a requester: 1..32767 as LinTcMon keeps them (§3 [C-pbx]), wrapping around and
// skipping IDs whose requests are still in flight (the PBX link and the CSTA client both allocate here).

export const MAX_INVOKE_ID = 32767;

export class InvokeIdAllocator {
  #next = 1;
  #inUse = new Set<number>();

  /** A free ID, or undefined when all 32767 are in flight. */
  allocate(): number | undefined {
    if (this.#inUse.size >= MAX_INVOKE_ID) return undefined;
    for (;;) {
      const id = this.#next;
      this.#next = id === MAX_INVOKE_ID ? 1 : id + 1;
      if (!this.#inUse.has(id)) {
        this.#inUse.add(id);
        return id;
      }
    }
  }

  release(id: number): void {
    this.#inUse.delete(id);
  }

  releaseAll(): void {
    this.#inUse.clear();
  }

  get inFlight(): number {
    return this.#inUse.size;
  }
}
