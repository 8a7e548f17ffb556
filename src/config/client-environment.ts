/**
 * The few variables `npm run chat` reads: it is a client of a running server,
 * not the server, so it does not validate the server's whole configuration.
 * Read here so that src/config stays the one place that touches the environment.
 */
export interface ChatEnvironment {
  /** The server's port, to build the default URL. */
  PORT?: string;
  /** The server's data folder, where the demo shop's key is kept. */
  DATA_DIR?: string;
  /** An API key for the chat to use. */
  OXY_API_KEY?: string;
}

export function readChatEnvironment(): ChatEnvironment {
  const { PORT, DATA_DIR, OXY_API_KEY } = process.env;
  return { PORT, DATA_DIR, OXY_API_KEY };
}
