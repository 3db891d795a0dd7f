-- schemacast for Neovim: starts `schemacast lsp` for SQL buffers, one server per project
-- (the directory holding schemacast.toml, else the file's directory: a lone SQL file works too).
-- Works on Neovim 0.7+ (start_client there, vim.lsp.start on 0.8+).
local M = {}

local defaults = {
  cmd = { "schemacast", "lsp" },
  -- Passed as initializationOptions and answered to workspace/configuration ("schemacast").
  settings = {},
  filetypes = { "sql", "mysql", "plsql" },
  -- Buffer-local keys on attach: K hover, gd definition, <leader>ca code actions, and omnifunc
  -- completion (<C-x><C-o>). false: none.
  keymaps = true,
  -- Neovim < 0.10 has no inlay hints: show the capacity hints as virtual text at the end of the
  -- CREATE TABLE line instead, refreshed with the diagnostics. false: none.
  virtual_text_hints = true,
}

M.opts = vim.deepcopy(defaults)

local clients = {}
local hint_ns = vim.api.nvim_create_namespace("schemacast_hints")

local function root_for(path)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  local found = vim.fn.findfile("schemacast.toml", dir .. ";")
  if found ~= "" then
    return vim.fn.fnamemodify(found, ":p:h")
  end
  return dir
end

local function label_text(label)
  if type(label) == "table" then
    local parts = {}
    for _, part in ipairs(label) do
      table.insert(parts, part.value)
    end
    return table.concat(parts)
  end
  return label
end

--- Asks the server for the buffer's inlay hints and shows them as end-of-line virtual text.
function M.refresh_hints(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = 0, character = 0 }, ["end"] = { line = vim.api.nvim_buf_line_count(bufnr), character = 0 } },
  }
  vim.lsp.buf_request(bufnr, "textDocument/inlayHint", params, function(err, result)
    if err or not vim.api.nvim_buf_is_valid(bufnr) then
      return
    end
    vim.api.nvim_buf_clear_namespace(bufnr, hint_ns, 0, -1)
    for _, hint in ipairs(result or {}) do
      local line = hint.position.line
      if line < vim.api.nvim_buf_line_count(bufnr) then
        vim.api.nvim_buf_set_extmark(bufnr, hint_ns, line, 0, {
          virt_text = { { " " .. label_text(hint.label), "Comment" } },
          virt_text_pos = "eol",
        })
      end
    end
  end)
end

local function on_attach(opts)
  return function(_, bufnr)
    if opts.keymaps then
      local function map(lhs, rhs, desc)
        vim.keymap.set("n", lhs, rhs, { buffer = bufnr, silent = true, desc = "schemacast: " .. desc })
      end
      map("K", vim.lsp.buf.hover, "hover")
      map("gd", vim.lsp.buf.definition, "go to definition")
      map("<leader>ca", vim.lsp.buf.code_action, "code actions")
      vim.bo[bufnr].omnifunc = "v:lua.vim.lsp.omnifunc"
    end
    if opts.virtual_text_hints and not (vim.lsp.inlay_hint and vim.lsp.inlay_hint.enable) then
      vim.api.nvim_create_autocmd("DiagnosticChanged", {
        buffer = bufnr,
        callback = function()
          M.refresh_hints(bufnr)
        end,
      })
      M.refresh_hints(bufnr)
    end
  end
end

function M.attach(bufnr, opts)
  opts = vim.tbl_deep_extend("force", M.opts, opts or {})
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
    on_attach = on_attach(opts),
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
  if vim.fn.has("nvim-0.8") == 1 then
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

local function binary()
  return M.opts.cmd[1]
end

local function project()
  local path = vim.api.nvim_buf_get_name(0)
  return root_for(path ~= "" and path or (vim.fn.getcwd() .. "/x"))
end

local function run(args, env, done)
  local output = {}
  local function keep(_, data)
    for _, line in ipairs(data or {}) do
      if line ~= "" then
        table.insert(output, line)
      end
    end
  end
  local job = vim.fn.jobstart(args, {
    cwd = project(),
    env = env,
    stdout_buffered = true,
    stderr_buffered = true,
    on_stdout = keep,
    on_stderr = keep,
    on_exit = function(_, code)
      vim.schedule(function()
        done(code, table.concat(output, "\n"))
      end)
    end,
  })
  if job <= 0 then
    vim.notify("schemacast: cannot run `" .. args[1] .. "`; install it with `cargo install --path server`", vim.log.levels.ERROR)
  end
end

--- :SchemacastReport: writes the capacity report to .schemacast/report and opens its index.html.
function M.report()
  local dir = project() .. "/.schemacast/report"
  run({ binary(), "report", "--output", dir }, nil, function(code, output)
    if code ~= 0 then
      vim.notify("schemacast report failed:\n" .. output, vim.log.levels.ERROR)
      return
    end
    local index = dir .. "/index.html"
    M.last_report = index
    vim.notify("schemacast: report written to " .. index)
    if vim.ui.open then
      vim.ui.open(index)
    elseif vim.fn.executable("xdg-open") == 1 then
      vim.fn.jobstart({ "xdg-open", index }, { detach = true })
    elseif vim.fn.executable("open") == 1 then
      vim.fn.jobstart({ "open", index }, { detach = true })
    end
  end)
end

--- :SchemacastCollect [URL]: appends a stats snapshot; the URL comes from the argument, else
--- $DATABASE_URL, else a prompt without echo. It is handed to `collect` in its environment,
--- never on the command line.
function M.collect(url)
  url = url or vim.env.DATABASE_URL
  if not url or url == "" then
    url = vim.fn.inputsecret("DATABASE_URL: ")
  end
  if url == "" then
    return
  end
  run({ binary(), "collect" }, { DATABASE_URL = url }, function(code, output)
    M.last_collect = { code = code, output = output }
    if code ~= 0 then
      vim.notify("schemacast collect failed:\n" .. output, vim.log.levels.ERROR)
    else
      vim.notify("schemacast: " .. (output ~= "" and output or "stats collected"))
    end
  end)
end

function M.setup(opts)
  opts = vim.tbl_deep_extend("force", defaults, opts or {})
  M.opts = opts
  vim.api.nvim_create_autocmd("FileType", {
    pattern = opts.filetypes,
    callback = function(args)
      M.attach(args.buf, opts)
    end,
  })
end

return M
