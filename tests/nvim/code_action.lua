-- Driven by tests/tests/neovim.rs: opens a migration, waits for schemacast's diagnostics,
-- applies the quick fix for one finding and records what Neovim saw, as JSON in $OUT.
local out = {}
local function finish()
  local file = io.open(vim.env.OUT, "w")
  file:write(vim.fn.json_encode(out))
  file:close()
  vim.cmd("qall!")
end

local function codes(bufnr)
  local result = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    table.insert(result, { code = code, lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col, message = d.message })
  end
  return result
end

local ok, err = pcall(function()
  require("schemacast").setup({ cmd = { vim.env.SCHEMACAST_BIN, "lsp" } })
  vim.cmd("edit " .. vim.fn.fnameescape(vim.env.FILE))
  local bufnr = vim.api.nvim_get_current_buf()
  if vim.bo[bufnr].filetype ~= "sql" then
    vim.bo[bufnr].filetype = "sql"
  end
  out.attached = vim.wait(20000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
  out.before = codes(bufnr)

  local target
  for _, d in ipairs(out.before) do
    if d.code == vim.env.RULE then target = d end
  end
  if not target then error("no " .. vim.env.RULE .. " diagnostic") end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = target.lnum, character = target.col }, ["end"] = { line = target.end_lnum, character = target.end_col } },
    context = { diagnostics = {} },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, 10000) or {}
  local chosen
  out.titles = {}
  for _, response in pairs(responses) do
    for _, action in ipairs(response.result or {}) do
      table.insert(out.titles, action.title)
      if action.isPreferred and not chosen then chosen = action end
    end
  end
  if not chosen then error("no preferred code action") end
  out.applied = chosen.title
  vim.lsp.util.apply_workspace_edit(chosen.edit, "utf-16")
  out.cleared = vim.wait(20000, function()
    for _, d in ipairs(codes(bufnr)) do
      if d.code == vim.env.RULE and d.lnum == target.lnum then return false end
    end
    return true
  end, 50)
  out.after = codes(bufnr)
  out.text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
  -- A fix may create a file (a new migration): every loaded buffer's text, by name.
  out.buffers = {}
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) then
      out.buffers[vim.api.nvim_buf_get_name(b)] = table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), "\n")
    end
  end
end)
if not ok then out.error = tostring(err) end
finish()
