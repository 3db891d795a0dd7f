-- Driven by tests/tests/neovim.rs on Neovim 0.10+: opens a migration whose tables have a stats
-- history, turns inlay hints on, and records the hints Neovim holds for display and the hover
-- card of a table, as JSON in $OUT.
local out = {}
local function finish()
  local file = io.open(vim.env.OUT, "w")
  file:write(vim.fn.json_encode(out))
  file:close()
  vim.cmd("qall!")
end

local ok, err = pcall(function()
  require("schemacast").setup({ cmd = { vim.env.SCHEMACAST_BIN, "lsp" } })
  vim.cmd("edit " .. vim.fn.fnameescape(vim.env.FILE))
  local bufnr = vim.api.nvim_get_current_buf()
  if vim.bo[bufnr].filetype ~= "sql" then
    vim.bo[bufnr].filetype = "sql"
  end
  out.attached = vim.wait(20000, function() return #vim.lsp.get_clients({ bufnr = bufnr }) > 0 end, 50)
  vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
  out.version = tostring(vim.version())
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
    for _, hint in ipairs(labels) do
      if hint.label:find("→", 1, true) then return true end
    end
    -- Hints are requested on display; nudge a redraw while waiting.
    vim.cmd("redraw")
    return false
  end, 100)
  out.hints = labels

  local line = tonumber(vim.env.TABLE_LINE)
  local text = vim.api.nvim_buf_get_lines(bufnr, line, line + 1, false)[1]
  local col = text:find(vim.env.TABLE_NAME, 1, true) - 1
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = line, character = col } }
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/hover", params, 10000) or {}
  for _, response in pairs(responses) do
    if response.result and response.result.contents then
      out.hover = response.result.contents.value
    end
  end
end)
if not ok then out.error = tostring(err) end
finish()
