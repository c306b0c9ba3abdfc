package io.midge.broker.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ThreadAwareExecutor;

/** Native epoll where the platform has it (fewer copies, less garbage), else Java NIO. */
public final class Transports {
    private Transports() {
    }

    public static boolean nativeAvailable() {
        return Epoll.isAvailable();
    }

    /** One event loop per core unless told otherwise. */
    public static EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = nativeAvailable() ? epoll() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    /** Epoll, each loop's channels kept by file descriptor in an {@link FdTable}. */
    private static IoHandlerFactory epoll() {
        IoHandlerFactory netty = EpollIoHandler.newFactory();
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return FdTable.install(netty.newHandler(executor));
            }

            @Override
            public boolean isChangingThreadSupported() {
                return netty.isChangingThreadSupported();
            }
        };
    }

    /** The channel of outgoing connections (a cluster's links) on a group made by {@link #newGroup}. */
    public static Class<? extends io.netty.channel.socket.SocketChannel> clientChannel() {
        return nativeAvailable() ? io.netty.channel.epoll.EpollSocketChannel.class
                : io.netty.channel.socket.nio.NioSocketChannel.class;
    }

    public static Class<? extends ServerSocketChannel> serverChannel() {
        return nativeAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }
}
