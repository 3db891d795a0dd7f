-- schemacast (SQL DDL lints and capacity forecasts) for Neovim 0.11+'s `vim.lsp.enable("schemacast")`,
-- in nvim-lspconfig's `lsp/` format. https://github.com/schemacast/schemacast
-- Install: `cargo install --path server` in a schemacast checkout, or a release binary on PATH.
return {
  cmd = { "schemacast", "lsp" },
  filetypes = { "sql", "mysql", "plsql" },
  -- Without any marker (a lone SQL file) the server works on the file's directory.
  root_markers = { "schemacast.toml", ".git" },
  -- Answered to the server's workspace/configuration request (section "schemacast").
  settings = {
    schemacast = {
      -- dialect = "postgres",
      -- stats = ".schemacast/stats.jsonl",
      -- rules = { ["column-padding"] = "off" },
      inlayHints = { enabled = true, tables = true, columns = false, padding = true },
    },
  },
}
