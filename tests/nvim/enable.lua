-- Driven by tests/tests/neovim.rs on Neovim 0.11+: starts the server the 0.11 way, with
-- editors/nvim/lsp/schemacast.lua found on the runtimepath and vim.lsp.enable("schemacast"),
-- the settings' inlayHints from $HINTS (JSON), and records diagnostics and the inlay hints
-- Neovim holds, as JSON in $OUT.
local out = {}
local function finish()
  local file = io.open(vim.env.OUT, "w")
  file:write(vim.fn.json_encode(out))
  file:close()
  vim.cmd("qall!")
end

local ok, err = pcall(function()
  local settings = vim.deepcopy(vim.lsp.config.schemacast.settings)
  settings.schemacast.inlayHints = vim.fn.json_decode(vim.env.HINTS)
  vim.lsp.config("schemacast", { cmd = { vim.env.SCHEMACAST_BIN, "lsp" }, settings = settings })
  vim.lsp.enable("schemacast")
  vim.cmd("edit " .. vim.fn.fnameescape(vim.env.FILE))
  local bufnr = vim.api.nvim_get_current_buf()
  out.attached = vim.wait(20000, function() return #vim.lsp.get_clients({ bufnr = bufnr, name = "schemacast" }) > 0 end, 50)
  out.diagnosed = vim.wait(20000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(out.diagnostics, { code = d.code, lnum = d.lnum })
  end
  vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
  local labels = {}
  out.shown = vim.wait(20000, function()
    labels = {}
    for _, item in ipairs(vim.lsp.inlay_hint.get({ bufnr = bufnr })) do
      local label = item.inlay_hint.label
      if type(label) == "table" then
        local parts = {}
        for _, part in ipairs(label) do table.insert(parts, part.value) end
        label = table.concat(parts)
      end
      table.insert(labels, { line = item.inlay_hint.position.line, label = label })
    end
    vim.cmd("redraw")
    return #labels > 0
  end, 100)
  out.hints = labels
  out.commands = vim.fn.exists(":SchemacastReport") == 2
  if vim.env.REPORT == "1" then
    -- :SchemacastReport runs `schemacast` from PATH, as after vim.lsp.enable alone.
    vim.cmd("SchemacastReport")
    vim.wait(60000, function() return require("schemacast").last_report ~= nil end, 100)
    out.report = require("schemacast").last_report
  end
end)
if not ok then out.error = tostring(err) end
finish()
