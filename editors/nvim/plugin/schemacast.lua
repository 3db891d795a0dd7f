-- :SchemacastReport and :SchemacastCollect, also without setup() (e.g. with vim.lsp.enable).
if vim.g.loaded_schemacast then
  return
end
vim.g.loaded_schemacast = true
vim.api.nvim_create_user_command("SchemacastReport", function()
  require("schemacast").report()
end, { desc = "schemacast: write the capacity report and open it" })
vim.api.nvim_create_user_command("SchemacastCollect", function(args)
  require("schemacast").collect(args.args ~= "" and args.args or nil)
end, { nargs = "?", desc = "schemacast: collect stats ($DATABASE_URL, else asked without echo)" })
