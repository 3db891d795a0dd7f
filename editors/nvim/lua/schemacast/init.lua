-- schemacast for Neovim: starts `schemacast lsp` for SQL buffers, one server per project
-- (the directory holding schemacast.toml, else the file's directory). Works on Neovim 0.7+.
local M = {}

local defaults = {
  cmd = { "schemacast", "lsp" },
  -- Passed as initializationOptions and answered to workspace/configuration ("schemacast").
  settings = {},
  filetypes = { "sql", "mysql", "plsql" },
}

local clients = {}

local function root_for(path)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  local found = vim.fn.findfile("schemacast.toml", dir .. ";")
  if found ~= "" then
    return vim.fn.fnamemodify(found, ":p:h")
  end
  return dir
end

function M.attach(bufnr, opts)
  opts = vim.tbl_deep_extend("force", defaults, opts or {})
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == "" then
    return
  end
  local root = root_for(path)
  local config = {
    name = "schemacast",
    cmd = opts.cmd,
    root_dir = root,
    init_options = opts.settings,
    settings = { schemacast = opts.settings },
    handlers = {
      ["workspace/configuration"] = function(_, params)
        local result = {}
        for _ in ipairs(params.items or {}) do
          table.insert(result, opts.settings)
        end
        return result
      end,
    },
  }
  if vim.lsp.start then
    vim.lsp.start(config, { bufnr = bufnr })
    return
  end
  local id = clients[root]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(config)
    clients[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

function M.setup(opts)
  opts = vim.tbl_deep_extend("force", defaults, opts or {})
  vim.api.nvim_create_autocmd("FileType", {
    pattern = opts.filetypes,
    callback = function(args)
      M.attach(args.buf, opts)
    end,
  })
end

return M
