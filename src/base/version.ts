export const TOOL_VERSION = process.env.PORTLAB_VERSION ?? '0.1.0';
/** How results and reports name the tool that produced them, from the CLI and the editor alike. */
export const TOOL = `portlab ${TOOL_VERSION}`;
