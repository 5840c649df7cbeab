// The copies of one EventReport for its subscribers. Subscribers differ in invoke ID and crossRef only,
// and those come in a few sizes (invoke IDs of one or two octets, crossRefs of four), so one template
// per size serves every copy.

import { FrameTemplate } from "../csta/frame_template.ts";
import { integerOctetCount } from "../csta/tlv.ts";

export class EventCopies {
  #apdu: Uint8Array;
  /**
   * Indexed by crossRef length and invoke ID octets (1..4): `length * 8 + octets`. An array, not a Map: the
   * lookup runs for every copy, and the few sizes in use keep it short.
   */
  #templates: (FrameTemplate | undefined)[] = [];

  constructor(apdu: Uint8Array) {
    this.#apdu = apdu;
  }

  /**
   * The event framed for one subscriber, valid until the next call (copy it out at once).
   * @throws CstaDecodeError when the event is malformed; CstaEncodeError when a copy exceeds the frame limit.
   */
  addressedTo(invokeId: number, crossRef: Uint8Array): FrameTemplate {
    const octets = integerOctetCount(invokeId);
    const key = crossRef.length * 8 + octets;
    let template = this.#templates[key];
    if (!template) {
      template = FrameTemplate.build(this.#apdu, octets, crossRef.length);
      this.#templates[key] = template;
    }
    return template.address(invokeId, crossRef);
  }
}
