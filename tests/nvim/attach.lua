-- Driven by tests/tests/neovim.rs (Debian's Neovim 0.7.2): opens a lone SQL file (no
-- schemacast.toml) through require("schemacast").setup{}, and records its diagnostics, the
-- buffer-local keys and omnifunc set on attach, and the capacity hints shown as virtual text,
-- as JSON in $OUT.
local out = {}
local function finish()
  local file = io.open(vim.env.OUT, "w")
  file:write(vim.fn.json_encode(out))
  file:close()
  vim.cmd("qall!")
end

local ok, err = pcall(function()
  local opts = { cmd = { vim.env.SCHEMACAST_BIN, "lsp" } }
  if vim.env.KEYMAPS == "false" then opts.keymaps = false end
  require("schemacast").setup(opts)
  vim.cmd("edit " .. vim.fn.fnameescape(vim.env.FILE))
  local bufnr = vim.api.nvim_get_current_buf()
  out.version = tostring(vim.version().major) .. "." .. tostring(vim.version().minor)
  out.attached = vim.wait(20000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(out.diagnostics, { code = d.code, lnum = d.lnum })
  end
  out.keys = {}
  for _, map in ipairs(vim.api.nvim_buf_get_keymap(bufnr, "n")) do
    out.keys[map.lhs] = map.desc or ""
  end
  out.omnifunc = vim.bo[bufnr].omnifunc
  local ns = vim.api.nvim_create_namespace("schemacast_hints")
  out.virtual_text = {}
  vim.wait(20000, function()
    local marks = vim.api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { details = true })
    out.virtual_text = {}
    for _, mark in ipairs(marks) do
      local text = ""
      for _, chunk in ipairs(mark[4].virt_text or {}) do text = text .. chunk[1] end
      table.insert(out.virtual_text, { line = mark[2], text = text, pos = mark[4].virt_text_pos })
    end
    return #marks > 0
  end, 50)
  out.commands = vim.fn.exists(":SchemacastReport") == 2 and vim.fn.exists(":SchemacastCollect") == 2
end)
if not ok then out.error = tostring(err) end
finish()
