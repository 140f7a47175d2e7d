using Npgsql;
using NpgsqlTypes;

namespace Hotline.Infrastructure;

// A statement for an NpgsqlBatch, such as a write a voice step defers to its last round trip (VoiceStep.Later).
// Batch statements take positional parameters ($1, $2, ...), each given here with its type.
public static class BatchCommands
{
    public static NpgsqlBatchCommand Of(string sql, params (object? Value, NpgsqlDbType Type)[] args)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (value, type) in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value, NpgsqlDbType = type });
        }

        return command;
    }
}
