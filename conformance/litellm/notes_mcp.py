"""A small MCP server for the real tier: one tool, `secret_word`, served over streamable HTTP.

LiteLLM's MCP gateway serves it as `notes-secret_word`; pi names that `mcp__<server>__notes_secret_word`.
Run with the venv's Python: `notes_mcp.py PORT`.
"""

import sys

from mcp.server.mcpserver import MCPServer

SECRET_WORD = "pelican-42"

app = MCPServer("notes")


@app.tool()
def secret_word() -> str:
    """The word the agent session must read back: it reaches the model only through the tool."""
    return f"The secret word is {SECRET_WORD}."


if __name__ == "__main__":
    app.run(transport="streamable-http", host="127.0.0.1", port=int(sys.argv[1]))
