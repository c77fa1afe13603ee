import { MlstackError } from "@mlstack/core";
import type { Permission, Principal } from "../spec.js";
import type { StackCore } from "../stack-core.js";

// PLACEHOLDER (lead): replaced by the access-policy work.
export class AccessControl {
  constructor(_core: StackCore) {}
  parsePrincipal(principal: Principal): Principal {
    return principal;
  }
  check(_principal: Principal, _permission: Permission, _resource: string, _operation: string): void {
    throw new MlstackError("NOT_SUPPORTED", "not built yet");
  }
  async idle(): Promise<void> {}
}
