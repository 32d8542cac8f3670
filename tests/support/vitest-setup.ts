// `server-only` throws outside a React Server Components bundle; in tests the server code
// runs in plain Node, which is exactly where it belongs.
import { vi } from "vitest";

vi.mock("server-only", () => ({}));
